import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CHART_FONT_FAMILY = 'DejaVu Sans';

const require = createRequire(import.meta.url);

function fontDir(): string {
  const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  if (!existsSync(dir)) throw new Error(`DejaVu fonts not found in ${dir}`);
  return dir;
}

let cached: { regular: string; bold: string } | undefined;

/** Paths of the bundled DejaVu Sans regular and bold TTF files. */
export function chartFontFiles(): { regular: string; bold: string } {
  if (!cached) {
    const dir = fontDir();
    cached = { regular: join(dir, 'DejaVuSans.ttf'), bold: join(dir, 'DejaVuSans-Bold.ttf') };
  }
  return cached;
}
