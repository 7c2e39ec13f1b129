let counter = 0;

/** A chart file base name unique within this process: `clv-distribution-1997-09-30-lq3x9a-1`. */
export function chartName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}`.replace(/[^A-Za-z0-9._-]/g, '_');
}
