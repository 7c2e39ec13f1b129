import type { ProgressUpdate } from './context.ts';

/** `▓▓▓▓░░░░ 48% · 2.4M rows` */
export function progressBar(fraction: number | null, detail: string, width = 10): string {
  if (fraction === null) return `⏳ ${detail}`;
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return `${'▓'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.floor(clamped * 100)}% · ${detail}`;
}

/** Passes on at most one update per interval; the first always goes through. */
export function throttleProgress(
  sink: (update: ProgressUpdate) => void,
  intervalMs = 2000,
  clock: () => number = Date.now,
): (update: ProgressUpdate) => void {
  let last = -Infinity;
  return (update) => {
    const now = clock();
    if (now - last < intervalMs) return;
    last = now;
    try {
      sink(update);
    } catch {
      // a progress display failing must never fail the command
    }
  };
}

/** 2_400_000 -> "2.4M" */
export function compactCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)}k`;
  return String(value);
}

/** What stays in the channel when a command's answer (or its error) went to the caller alone. */
export function neutralNotice(path: string, ok: boolean): string {
  return ok ? `✅ /${path} finished (the answer was sent to you)` : `⚠️ /${path} failed (details sent to you)`;
}
