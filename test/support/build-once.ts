// @ts-expect-error plain JavaScript build script, no type declarations
import { build } from '../../scripts/build.mjs';

/** Vitest global setup: the compiled build npm start runs, brought up to date once before the tests. */
export default function setup(): void {
  (build as (options: { quiet: boolean }) => boolean)({ quiet: true });
}
