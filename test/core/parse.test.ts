import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction, defineCommand } from '../../src/core/command.ts';
import { UserError } from '../../src/core/errors.ts';
import { parseCommandLine, usageLine, validateOptions } from '../../src/core/parse.ts';
import { CommandRegistry } from '../../src/core/registry.ts';
import { reply } from '../../src/core/reply.ts';

const noop = async () => reply({}, {});

const segment = defineCommand({
  name: 'segment',
  description: 'Segments',
  defaultSubcommand: 'run',
  subcommands: [
    defineAction({
      name: 'run',
      description: 'Run a segmentation.',
      options: z.object({
        method: z.enum(['kmeans', 'rfm']).default('kmeans').describe('how to segment'),
        k: z
          .union([z.literal('auto'), z.number().int().min(2).max(12)])
          .default('auto')
          .meta({ hint: 'auto|2..12' })
          .describe('number of segments'),
        seed: z.number().int().optional().describe('random seed'),
        scale: z.boolean().default(true).describe('standardize features'),
        name: z.string().optional().describe('a name for the run'),
      }),
      positional: ['method'],
      role: 'analyst',
      visibility: 'public',
      handler: noop,
    }),
    defineAction({
      name: 'show',
      description: 'Show a segment.',
      options: z.object({ segment: z.string().describe('segment name or id') }),
      positional: ['segment'],
      role: 'viewer',
      visibility: 'public',
      handler: noop,
    }),
  ],
});
const registry = new CommandRegistry([segment]);

function parse(line: string) {
  const parsed = parseCommandLine(registry, line);
  return { path: parsed.path, options: validateOptions(parsed.path, parsed.action, parsed.raw) };
}

function error(line: string): UserError {
  try {
    parse(line);
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error(`no error for ${line}`);
}

describe('parseCommandLine + validateOptions', () => {
  it('parses subcommand, positional, key=value, numbers and booleans', () => {
    expect(parse('/segment run rfm k=5 seed=42 scale=no name="Q3 review"')).toEqual({
      path: 'segment run',
      options: { method: 'rfm', k: 5, seed: 42, scale: false, name: 'Q3 review' },
    });
  });

  it('applies defaults and the default subcommand', () => {
    expect(parse('/segment k=auto')).toEqual({ path: 'segment run', options: { method: 'kmeans', k: 'auto', scale: true } });
    expect(parse('segment')).toEqual({ path: 'segment run', options: { method: 'kmeans', k: 'auto', scale: true } });
  });

  it('treats --flag as true', () => {
    expect(parse('/segment run --scale').options.scale).toBe(true);
  });

  it('suggests the nearest option for a typo', () => {
    const e = error('/segment run kk=5');
    expect(e.code).toBe('unknown_option');
    expect(e.message).toContain('Unknown option `kk`');
    expect(e.message).toContain('Did you mean `k`?');
    expect(e.hint).toContain('method=kmeans|rfm');
  });

  it('suggests the nearest command and subcommand', () => {
    expect(error('/segmnet run').message).toContain('Did you mean `segment`?');
    const registryNoDefault = new CommandRegistry([{ ...segment, defaultSubcommand: undefined }]);
    expect(() => parseCommandLine(registryNoDefault, '/segment shwo x')).toThrow(/no subcommand `shwo`. Did you mean `show`/);
  });

  it('says what is allowed for a bad value', () => {
    expect(error('/segment run k=20').message).toMatch(/`k` must be auto\|2..12 \(got `20`\)/);
    expect(error('/segment run method=kmean').message).toMatch(
      /`method` must be one of kmeans, rfm \(got `kmean`\)\. Did you mean `kmeans`\?/,
    );
    expect(error('/segment run seed=abc').message).toMatch(/`seed` must be a whole number \(got `abc`\)/);
    expect(error('/segment run scale=maybe').message).toMatch(/`scale` must be true or false/);
  });

  it('names a missing required option and rejects extra values', () => {
    expect(error('/segment show').message).toBe('Missing `segment`: segment name or id.');
    expect(error('/segment show a b').message).toContain('Unexpected value `b`');
    expect(error('/segment run rfm k=3 k=4').code).toBe('duplicate_option');
  });

  it('builds usage lines from the definition', () => {
    expect(usageLine('segment show', segment.subcommands![1]!)).toBe('/segment show <segment>');
    expect(usageLine('segment run', segment.subcommands![0]!)).toBe(
      '/segment run [<method>] [k=auto|2..12] [seed=…] [scale=true|false] [name=…]',
    );
  });
});
