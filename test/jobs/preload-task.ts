(globalThis as { preloaded?: boolean }).preloaded = true;

export default async function preload(): Promise<boolean> {
  return true;
}
