import { lstatSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAuditExport } from '../audit/export.ts';
import { CsvParser } from '../import/csv.ts';

/** What identifies the erased person in a file: their id (as a whole token), email and name (any case). */
export interface PersonNeedles {
  id: string;
  email: string | null;
  name: string | null;
}

export interface ErasedFile {
  /** Path relative to OUT_DIR. */
  name: string;
  action: 'rewritten' | 'deleted';
  /** CSV rows removed (rewritten files). */
  rows_removed?: number;
}

export interface FileErasure {
  files: ErasedFile[];
  /** Files that could not be read or were over the size limit: relative path and why. */
  unchecked: { name: string; reason: string }[];
}

/** Files over this size are not read (they are listed in the reply for an admin to look at). */
export const MAX_FILE_BYTES = 512 * 1024 ** 2;
const MAX_FILES = 100_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const lowerNeedles = (person: PersonNeedles) =>
  [person.email, person.name].filter((v): v is string => Boolean(v && v.trim().length >= 2)).map((v) => v.trim().toLowerCase());

/** A CSV cell holds the person: it is their id (a leading formula-guard ' aside), or contains their email or name (any case). */
export function cellMatcher(person: PersonNeedles): (cell: string) => boolean {
  const id = person.id.trim();
  const others = lowerNeedles(person);
  return (cell) => {
    if (cell.replace(/^'/, '').trim() === id) return true;
    if (others.length === 0) return false;
    const lower = cell.toLowerCase();
    return others.some((needle) => lower.includes(needle));
  };
}

/** Free text holds the person: their id as a whole token, or their email or name (any case). */
export function textMatcher(person: PersonNeedles): (text: string) => boolean {
  const id = new RegExp(`(?<![\\w.-])${escapeRegExp(person.id.trim())}(?![\\w-]|\\.\\w)`);
  const others = lowerNeedles(person);
  return (text) => {
    if (id.test(text)) return true;
    if (others.length === 0) return false;
    const lower = text.toLowerCase();
    return others.some((needle) => lower.includes(needle));
  };
}

/** The text chunks (tEXt, iTXt) of a PNG: the only place a chart file could carry words readable without drawing it. */
function pngText(raw: Buffer): string {
  const parts: string[] = [];
  let at = 8;
  while (at + 12 <= raw.length) {
    const length = raw.readUInt32BE(at);
    const type = raw.toString('latin1', at + 4, at + 8);
    if (type === 'tEXt' || type === 'iTXt') parts.push(raw.toString('utf8', at + 8, Math.min(raw.length, at + 8 + length)));
    at += 12 + length;
  }
  return parts.join('\n');
}

/** Every regular file under dir (symbolic links are not followed), relative paths. */
function listFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    let entries;
    try {
      entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= MAX_FILES) return;
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) found.push(child);
    }
  };
  walk('');
  return found.sort();
}

/**
 * The CSV without the records that hold the person (the header row always stays), as raw text so
 * every other row is kept byte for byte; null when no record holds them.
 */
export function csvWithout(text: string, matches: (cell: string) => boolean): { text: string; removed: number; left: number } | null {
  const starts: number[] = [];
  const hit: boolean[] = [];
  const parser = new CsvParser(',', (cells, line) => {
    starts.push(line);
    hit.push(starts.length > 1 && cells.some(matches));
  });
  parser.push(text);
  parser.end();
  if (!hit.some(Boolean)) return null;
  const lines = text.split('\n');
  const keep: string[] = lines.slice(0, (starts[0] ?? 1) - 1);
  let removed = 0;
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i]! - 1;
    const to = i + 1 < starts.length ? starts[i + 1]! - 1 : lines.length;
    if (hit[i]) removed++;
    else keep.push(...lines.slice(from, to));
  }
  return { text: keep.join('\n'), removed, left: starts.length - 1 - removed };
}

/**
 * Finds the person in every file under OUT_DIR (exports, rejection files, charts): a CSV is
 * rewritten without their rows (deleted when no data row is left); any other file that holds
 * them (a chart, a JSON file) is deleted. Rewrites go through a temporary file and a rename.
 */
export function eraseFromFiles(outDir: string, person: PersonNeedles): FileErasure {
  const result: FileErasure = { files: [], unchecked: [] };
  const inCell = cellMatcher(person);
  const inText = textMatcher(person);
  const needles = [person.id.trim(), ...lowerNeedles(person)];
  for (const name of listFiles(outDir)) {
    const file = path.join(outDir, name);
    try {
      const size = lstatSync(file).size;
      if (size > MAX_FILE_BYTES) {
        result.unchecked.push({ name, reason: `over ${MAX_FILE_BYTES / 1024 ** 2} MiB` });
        continue;
      }
      const raw = readFileSync(file);
      const isPng = raw.subarray(0, 8).equals(PNG_SIGNATURE);
      const text = isPng ? pngText(raw) : raw.toString('utf8');
      const lower = text.toLowerCase();
      if (!needles.some((needle, i) => (i === 0 ? text : lower).includes(needle))) continue;
      if (/\.csv$/i.test(name) && !isPng) {
        const rewritten = csvWithout(text, isAuditExport(name) ? inText : inCell);
        if (!rewritten) continue;
        if (rewritten.left > 0) {
          const temp = `${file}.erasing`;
          writeFileSync(temp, rewritten.text);
          renameSync(temp, file);
          result.files.push({ name, action: 'rewritten', rows_removed: rewritten.removed });
          continue;
        }
      } else if (!inText(text)) continue;
      unlinkSync(file);
      result.files.push({ name, action: 'deleted' });
    } catch (error) {
      result.unchecked.push({ name, reason: (error as NodeJS.ErrnoException).code ?? 'unreadable' });
    }
  }
  return result;
}
