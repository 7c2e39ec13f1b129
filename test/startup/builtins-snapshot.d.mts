/** Per built-in object, its own properties described as strings; `globalThis` lists global names. */
export type BuiltinsSnapshot = Record<string, Record<string, string>>;

export function builtinsSnapshot(): BuiltinsSnapshot;

export function snapshotDifferences(before: BuiltinsSnapshot, after: BuiltinsSnapshot): string[];
