import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../../scripts/docs.ts';

describe('README', () => {
  it('has the command reference and permission matrix generated from the definitions (run npm run docs after changing a command)', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(await renderReadme(readme));
  });

  it('gives the quick start and the test command the CI runs', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    expect(ci).toContain('npm test');
  });
});
