import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

/** Writes `chunks` to `file` as they come, waiting whenever the disk is behind; the file is closed on every path. */
export async function writeTextFile(file: string, chunks: AsyncIterable<string>): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  try {
    for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  } finally {
    out.end();
    await once(out, 'finish');
  }
}
