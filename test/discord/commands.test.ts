import { ApplicationCommandOptionType } from 'discord.js';
import type { APIApplicationCommandOption } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../commands/index.ts';
import { buildCommandBindings, commandPayloads, discordDescription, discordName } from '../../adapters/discord/commands.ts';
import { actionsOf } from '../../src/core/command.ts';
import { describeOptions } from '../../src/core/option-schema.ts';
import type { CommandRegistry } from '../../src/core/registry.ts';
import { testRegistry } from './helpers/test-registry.ts';

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

function expectedType(info: ReturnType<typeof describeOptions>[number]): number {
  if (info.type === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (info.type === 'integer') return ApplicationCommandOptionType.Integer;
  if (info.type === 'number') return ApplicationCommandOptionType.Number;
  if (info.kind === 'user') return ApplicationCommandOptionType.User;
  if (info.kind === 'channel') return ApplicationCommandOptionType.Channel;
  return ApplicationCommandOptionType.String;
}

/** Checks every registered command against its definition. */
function checkRegistry(registry: CommandRegistry): void {
  const payloads = commandPayloads(registry);
  expect(payloads.map((p) => p.name)).toEqual(registry.names());
  for (const [i, command] of registry.all().entries()) {
    const payload = payloads[i]!;
    expect(payload.name).toMatch(NAME);
    expect(payload.name).toBe(payload.name.toLowerCase());
    expect(payload.description.length).toBeGreaterThan(0);
    expect(payload.description.length).toBeLessThanOrEqual(100);
    const options = (payload.options ?? []) as APIApplicationCommandOption[];
    const targets = command.subcommands
      ? actionsOf(command).map(({ action }) => {
          const sub = options.find((o) => o.name === action.name)!;
          expect(sub.type).toBe(ApplicationCommandOptionType.Subcommand);
          return { action, options: (sub as { options?: APIApplicationCommandOption[] }).options ?? [] };
        })
      : [{ action: command.action!, options }];
    if (command.subcommands) expect(options).toHaveLength(command.subcommands.length);
    for (const { action, options: registered } of targets) {
      const firstOptional = registered.findIndex((o) => !o.required);
      if (firstOptional >= 0) expect(registered.slice(firstOptional).every((o) => !o.required)).toBe(true);
      for (const info of describeOptions(action.options)) {
        const option = registered.find((o) => o.name === info.name) as Record<string, unknown> | undefined;
        expect(option, `${command.name} ${action.name ?? ''} ${info.name}`).toBeDefined();
        expect(option!.name).toMatch(NAME);
        expect(String(option!.description).length).toBeLessThanOrEqual(100);
        expect(option!.type).toBe(expectedType(info));
        // a missing required option opens the command's form, so Discord lets the command be sent without it
        expect(option!.required).toBe(false);
        expect(option!.min_value).toBe(info.min);
        expect(option!.max_value).toBe(info.max);
        if (info.autocomplete || (info.choices && info.choices.length > 25)) expect(option!.autocomplete).toBe(true);
        else if (info.choices) expect((option!.choices as { value: string }[]).map((c) => c.value)).toEqual(info.choices);
        if (info.kind === 'source') {
          const file = registered.find((o) => o.type === ApplicationCommandOptionType.Attachment);
          expect(file).toMatchObject({ name: 'file', required: false });
        }
      }
    }
  }
}

describe('Discord registration payloads', () => {
  it('match every definition of the real registry', async () => {
    checkRegistry(await loadRegistry());
  });

  it('match the test registry: subcommands, ranges, choices, attachments, autocomplete', async () => {
    const registry = await testRegistry();
    checkRegistry(registry);
    const probe = commandPayloads(registry).find((p) => p.name === 'probe')!;
    expect(probe.options).toEqual([
      {
        type: 1,
        name: 'load',
        description: 'Loads a source.',
        options: [
          {
            name: 'kind',
            description: 'what the file holds',
            required: false,
            type: 3,
            choices: [
              { name: 'orders', value: 'orders' },
              { name: 'customers', value: 'customers' },
            ],
          },
          { name: 'source', description: 'a path, URL or attached file: a path or URL, or attach a file', required: false, type: 3 },
          { name: 'file', description: 'a file to use as source (CSV or .csv.gz)', required: false, type: 11 },
          { name: 'strict', description: 'reject everything on one bad row', required: false, type: 5 },
          { name: 'private', description: 'only you see the answer', required: false, type: 5 },
        ],
      },
      {
        type: 1,
        name: 'stats',
        description: 'Numbers with ranges and an autocomplete. (default)',
        options: [
          { name: 'rate', description: 'a rate', required: false, type: 10, min_value: 0, max_value: 1 },
          { name: 'k', description: 'clusters', required: false, type: 4, min_value: 2, max_value: 12 },
          { name: 'segment', description: 'a segment name', required: false, type: 3, autocomplete: true },
          { name: 'campaign', description: 'a campaign name', required: false, type: 3, autocomplete: true },
          {
            name: 'region',
            description: 'one of 30 regions: more than Discord lists as choices',
            required: false,
            type: 3,
            autocomplete: true,
          },
          { name: 'private', description: 'only you see the answer', required: false, type: 5 },
        ],
      },
    ]);
    const bindings = buildCommandBindings(registry);
    expect(bindings.find((b) => b.discordName === 'probe')!.actions.map((a) => a.path)).toEqual(['probe load', 'probe stats']);
  });

  it('sanitizes names and truncates descriptions', () => {
    const taken = new Set<string>();
    expect(discordName('Date Format', taken)).toBe('date_format');
    expect(discordName('date format', taken)).toBe('date_format_2');
    expect(discordName('x'.repeat(40))).toHaveLength(32);
    expect(discordName('***')).toBe('x');
    const long = discordDescription(`*Bold* ${'word '.repeat(40)}`, 'f');
    expect(long).toHaveLength(100);
    expect(long.startsWith('Bold word')).toBe(true);
    expect(long.endsWith('…')).toBe(true);
    expect(discordDescription('   ', 'fallback')).toBe('fallback');
  });
});
