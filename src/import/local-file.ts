import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { UserError } from '../core/errors.ts';

/** System trees whose "files" are the machine's state, never data to import. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function outsideError(label: string): UserError {
  return new UserError(
    'outside_import_dir',
    `${label} is outside the import folder: from chat, only files in the folder set by IMPORT_DIR can be imported.`,
    {
      hint: 'Give a path inside that folder (e.g. orders.csv), or share the file in the chat.',
    },
  );
}

/**
 * Opens a local CSV file. With `root` (a command from chat) the path is taken relative to it,
 * and the file, symlinks and `..` resolved, must lie inside it. Only regular files are read.
 */
export async function openLocalFile(file: string, root: string | undefined, label: string): Promise<{ stream: Readable; size: number }> {
  let realRoot: string | undefined;
  if (root !== undefined) {
    try {
      realRoot = await fs.realpath(root);
    } catch {
      throw new UserError('import_dir_missing', 'The import folder set by IMPORT_DIR does not exist on the bot’s machine.', {
        hint: 'Ask an admin to create it or correct IMPORT_DIR; meanwhile share the file in the chat.',
      });
    }
    if (!inside(realRoot, path.resolve(realRoot, file))) throw outsideError(label);
  }
  let real: string;
  let stat: Stats;
  try {
    real = await fs.realpath(realRoot === undefined ? path.resolve(file) : path.resolve(realRoot, file));
    stat = await fs.stat(real);
  } catch {
    throw new UserError(
      'source_not_found',
      realRoot === undefined
        ? `Cannot read ${label}: no such file (paths are relative to the bot's working directory).`
        : `Cannot read ${label}: there is no such file in the import folder (IMPORT_DIR).`,
      { hint: 'Check the path, or share the file in the chat.' },
    );
  }
  if (realRoot !== undefined) {
    if (!inside(realRoot, real)) throw outsideError(label);
    if (SYSTEM_TREES.some((tree) => inside(tree, real))) throw outsideError(label);
  }
  if (stat.isDirectory()) throw new UserError('source_not_file', `${label} is a directory, not a CSV file.`);
  if (!stat.isFile())
    throw new UserError('source_not_file', `${label} is not a regular file (it is a device, pipe or socket), so it cannot be imported.`);
  // O_NONBLOCK: should the path have become a FIFO since the check, opening it does not wait for a writer.
  const handle = await fs.open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  const opened = await handle.stat();
  if (!opened.isFile() || opened.ino !== stat.ino || opened.dev !== stat.dev) {
    await handle.close();
    throw new UserError('source_changed', `${label} changed while it was being opened; import it again.`);
  }
  return { stream: handle.createReadStream({ highWaterMark: 1 << 18 }), size: opened.size };
}
