import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineAction, defineCommand, type CommandDefinition } from '../../../src/core/command.ts';
import { reply } from '../../../src/core/reply.ts';

/** Commands that exercise the adapter's paths: long work with progress, failures, big answers, buttons, uploads. */
export function slackTestCommands(): CommandDefinition[] {
  return [
    defineCommand({
      name: 'slowjob',
      description: 'Long work that reports progress.',
      action: defineAction({
        description: 'Waits a little, reporting progress.',
        options: z.object({ steps: z.number().int().min(1).max(10).default(2) }),
        role: 'viewer',
        visibility: 'public',
        long: true,
        handler: async (ctx, { steps }) => {
          for (let i = 0; i < steps; i++) {
            ctx.progress({ fraction: i / steps, message: `step ${i + 1} of ${steps}` });
            await new Promise((resolve) => setTimeout(resolve, 30));
          }
          return reply({ steps }, { title: 'Slow job done', text: `Ran *${steps}* steps.` });
        },
      }),
    }),
    defineCommand({
      name: 'boom',
      description: 'Fails inside its handler.',
      action: defineAction({
        description: 'Throws.',
        options: z.object({ long: z.boolean().default(false) }),
        role: 'viewer',
        visibility: 'public',
        handler: async () => {
          throw new Error('disk on fire');
        },
      }),
    }),
    defineCommand({
      name: 'boomlong',
      description: 'Long work that fails.',
      action: defineAction({
        description: 'Throws after the ack.',
        options: z.object({}),
        role: 'viewer',
        visibility: 'public',
        long: true,
        handler: async () => {
          throw new Error('worker crashed');
        },
      }),
    }),
    defineCommand({
      name: 'bigtable',
      description: 'An answer far past Slack’s limits.',
      action: defineAction({
        description: 'A long text, many fields and a 3,000-row table.',
        options: z.object({ rows: z.number().int().default(3000) }),
        role: 'viewer',
        visibility: 'public',
        handler: async (ctx, { rows }) => {
          const text = Array.from({ length: 400 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.`).join('\n');
          return reply(
            { rows },
            {
              title: 'Customers by segment',
              text,
              fields: Array.from({ length: 23 }, (_, i) => ({ label: `Field ${i}`, value: String(i * 7) })),
              tables: [
                {
                  title: 'Customers',
                  columns: ['customer', 'segment', 'revenue'],
                  rows: Array.from({ length: rows }, (_, i) => [`C${String(i).padStart(5, '0')}`, i % 3 ? 'loyal' : 'at risk', i * 13.5]),
                },
              ],
            },
          );
        },
      }),
    }),
    defineCommand({
      name: 'choose',
      description: 'An answer with buttons.',
      action: defineAction({
        description: 'Offers buttons.',
        options: z.object({}),
        role: 'viewer',
        visibility: 'public',
        handler: async (ctx) => {
          const chart = path.join(ctx.outDir, 'chart.png');
          mkdirSync(ctx.outDir, { recursive: true });
          writeFileSync(chart, Buffer.from('89504e470d0a1a0a', 'hex'));
          return reply(
            {},
            {
              title: 'Pick one',
              charts: [{ path: chart, name: 'chart.png', title: 'Revenue', alt: 'Revenue by month' }],
              buttons: [
                { label: 'Help', command: '/help' },
                { label: 'Admin only', command: '/secret', style: 'danger' },
              ],
            },
          );
        },
      }),
    }),
    defineCommand({
      name: 'secret',
      description: 'Admins only.',
      action: defineAction({
        description: 'Needs admin.',
        options: z.object({}),
        role: 'admin',
        visibility: 'public',
        handler: async () => reply({}, { text: 'secret' }),
      }),
    }),
    defineCommand({
      name: 'ingest',
      description: 'Reads a shared file.',
      action: defineAction({
        description: 'Counts the lines of the shared file.',
        options: z.object({ source: z.string().meta({ kind: 'source' }).optional() }),
        positional: ['source'],
        role: 'viewer',
        visibility: 'public',
        handler: async (ctx) => {
          const upload = ctx.uploads[0];
          if (!upload) return reply({ lines: 0 }, { text: 'no upload' });
          const chunks: Buffer[] = [];
          for await (const chunk of await upload.open()) chunks.push(Buffer.from(chunk as Buffer));
          const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n').length;
          return reply(
            { lines, url: upload.url, auth: upload.headers?.Authorization },
            { text: `Read ${lines} lines from ${upload.name}.` },
          );
        },
      }),
    }),
  ];
}
