import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineAction, defineCommand, type CommandDefinition } from '../../../src/core/command.ts';
import { reply } from '../../../src/core/reply.ts';
import { CommandRegistry } from '../../../src/core/registry.ts';
import type { Upload } from '../../../src/core/context.ts';

export const REGIONS = Array.from({ length: 30 }, (_, i) => `region-${String(i + 1).padStart(2, '0')}`) as [string, ...string[]];

/** What the test-only /probe command saw of its last upload. */
export const seen: { uploads: { name: string; url?: string; text: string }[]; options?: Record<string, unknown> } = { uploads: [] };

/** Test-only commands covering every option shape the Discord registration maps. */
export const testCommands: CommandDefinition[] = [
  defineCommand({
    name: 'probe',
    description: 'Test command: options of every type, a source that can be an attachment.',
    subcommands: [
      defineAction({
        name: 'load',
        description: 'Loads a source.',
        options: z.object({
          source: z.string().describe('a path, URL or attached file').meta({ kind: 'source' }),
          strict: z.boolean().describe('reject everything on one bad row').optional(),
          kind: z.enum(['orders', 'customers']).describe('what the file holds'),
        }),
        role: 'analyst',
        visibility: 'public',
        handler: async (ctx, options) => {
          seen.options = options;
          seen.uploads = await Promise.all(
            ctx.uploads.map(async (u: Upload) => ({ name: u.name, url: u.url, text: await streamText(await u.open()) })),
          );
          return reply(
            { uploads: seen.uploads.length },
            { title: 'Loaded', text: `Read *${seen.uploads.map((u) => u.text.length).join(',')}* bytes from ${options.source}` },
          );
        },
      }),
      defineAction({
        name: 'stats',
        description: 'Numbers with ranges and an autocomplete.',
        options: z.object({
          k: z.number().int().min(2).max(12).describe('clusters').optional(),
          rate: z.number().min(0).max(1).describe('a rate'),
          segment: z.string().describe('a segment name').meta({ autocomplete: 'segment' }).optional(),
          campaign: z.string().describe('a campaign name').meta({ autocomplete: 'campaign' }).optional(),
          region: z.enum(REGIONS).describe('one of 30 regions: more than Discord lists as choices').optional(),
        }),
        role: 'viewer',
        visibility: 'public',
        handler: async (_ctx, options) => reply(options, { text: `k=${String(options.k)} rate=${String(options.rate)}` }),
      }),
    ],
    defaultSubcommand: 'stats',
  }),
  defineCommand({
    name: 'slow',
    description: 'Test command: reports progress, then answers after a delay.',
    action: defineAction({
      description: 'Waits.',
      options: z.object({
        ms: z.number().int().min(0).max(60_000).describe('how long'),
        private: z.boolean().describe('only the caller sees the result').optional(),
      }),
      role: 'viewer',
      visibility: 'public',
      long: true,
      handler: async (ctx, { ms, private: ephemeral }) => {
        ctx.progress({ fraction: 0.5, message: 'halfway' });
        await new Promise((r) => setTimeout(r, ms));
        return reply({ ms }, { title: 'Done waiting', text: `Waited ${ms} ms.`, ephemeral });
      },
    }),
  }),
  defineCommand({
    name: 'big',
    description: 'Test command: a reply far past Discord limits, with buttons.',
    action: defineAction({
      description: 'Big.',
      options: z.object({ rows: z.number().int().min(1).max(100_000).describe('rows').optional() }),
      role: 'viewer',
      visibility: 'public',
      handler: async (_ctx, { rows }) => bigReply(rows ?? 500),
    }),
  }),
  defineCommand({
    name: 'boom',
    description: 'Test command: fails after a delay.',
    action: defineAction({
      description: 'Fails.',
      options: z.object({ ms: z.number().int().min(0).max(60_000).describe('delay').optional() }),
      role: 'viewer',
      visibility: 'public',
      handler: async (_ctx, { ms }) => {
        await new Promise((r) => setTimeout(r, ms ?? 0));
        throw new Error('kaboom');
      },
    }),
  }),
  defineCommand({
    name: 'chart',
    description: 'Test command: a chart and a file written to the output folder.',
    action: defineAction({
      description: 'Chart.',
      options: z.object({}),
      role: 'viewer',
      visibility: 'public',
      handler: async (ctx) => {
        mkdirSync(ctx.outDir, { recursive: true });
        const png = path.join(ctx.outDir, 'spend.png');
        const csv = path.join(ctx.outDir, 'spend.csv');
        writeFileSync(png, Buffer.from('89504e470d0a1a0a', 'hex'));
        writeFileSync(csv, 'week,spend\n1,10\n');
        return reply(
          {},
          {
            title: 'Spend',
            charts: [{ path: png, name: 'spend.png', title: 'Spend by week', alt: 'bar chart' }],
            files: [{ path: csv, name: 'spend.csv' }],
          },
        );
      },
    }),
  }),
  defineCommand({
    name: 'secret',
    description: 'Test command: needs the admin role.',
    action: defineAction({
      description: 'Admin only.',
      options: z.object({}),
      role: 'admin',
      visibility: 'public',
      handler: async () => reply({}, { text: 'admin stuff' }),
    }),
  }),
];

export function bigReply(rows: number) {
  return reply(
    { rows },
    {
      title: 'Big reply',
      text: 'x'.repeat(9000),
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `Field ${i}`, value: 'v'.repeat(1500) })),
      tables: [
        {
          title: 'Customers',
          columns: ['id', 'name', 'revenue'],
          rows: Array.from({ length: rows }, (_, i) => [`C${i}`, `Customer number ${i}`, i * 10.5]),
        },
      ],
      buttons: Array.from({ length: 27 }, (_, i) => ({ label: `Button ${i}`, command: i === 0 ? `/help ${'y'.repeat(120)}` : `/help` })),
      notes: ['Amounts in USD.'],
    },
  );
}

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The real commands plus the test-only ones. */
export async function testRegistry(): Promise<CommandRegistry> {
  const { loadCommands } = await import('../../../commands/index.ts');
  return new CommandRegistry([...(await loadCommands()), ...testCommands]);
}
