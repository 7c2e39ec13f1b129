// `npm start`: the compiled bot in dist/, built first when it is missing or older than the sources.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, dist } from './build.mjs';

try {
  build();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
await import(pathToFileURL(path.join(dist, 'src', 'main.js')).href);
