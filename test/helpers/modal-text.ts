import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** Screenshot-like text dumps of the forms, kept for review in test/__dumps__/. */
export const DUMP_DIR = path.join(import.meta.dirname, '..', '__dumps__');

export function writeDump(name: string, text: string): string {
  mkdirSync(DUMP_DIR, { recursive: true });
  const file = path.join(DUMP_DIR, `${name}.txt`);
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
  return file;
}

type Json = Record<string, any>;

function textOf(value: unknown): string {
  if (!value) return '';
  if (typeof value === 'string') return value;
  return String((value as Json).text ?? '');
}

function elementAsText(element: Json): string[] {
  switch (element.type) {
    case 'static_select': {
      const options = (element.options ?? []) as Json[];
      const chosen = element.initial_option ? textOf(element.initial_option.text) : textOf(element.placeholder) || 'Choose…';
      return [`  ( ${chosen} ▾ )  choices: ${options.map((o) => textOf(o.text)).join(' | ')}`];
    }
    case 'number_input': {
      const bounds = [
        element.min_value !== undefined ? `min ${element.min_value}` : '',
        element.max_value !== undefined ? `max ${element.max_value}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return [
        `  [ ${element.initial_value ?? '   '} ] ${element.is_decimal_allowed ? 'number' : 'whole number'}${bounds ? ` (${bounds})` : ''}`,
      ];
    }
    case 'datepicker':
      return [`  [ 📅 ${element.initial_date ?? 'YYYY-MM-DD'} ]`];
    case 'users_select':
      return [`  ( 👤 ${element.initial_user ?? 'Choose a person'} ▾ )`];
    case 'conversations_select':
      return [`  ( # ${element.initial_conversation ?? 'Choose a channel'} ▾ )`];
    case 'plain_text_input': {
      const value = element.initial_value ?? (element.placeholder ? `(${textOf(element.placeholder)})` : '');
      if (element.multiline) {
        const lines = String(value || ' ').split('\n');
        return ['  ┌──────────────────────────────', ...lines.map((l) => `  │ ${l}`), '  └────────────────────────────── multi-line'];
      }
      return [`  [ ${value} ]`];
    }
    default:
      return [`  <${element.type}>`];
  }
}

/** A Slack modal as a person would see it, as text: title, each block, the buttons. */
export function modalAsText(view: Json): string {
  const lines = [`╔═ ${textOf(view.title)} ═╗`];
  for (const block of (view.blocks ?? []) as Json[]) {
    if (block.type === 'input') {
      lines.push(`${textOf(block.label)}${block.optional ? ' (optional)' : ' *'}`);
      lines.push(...elementAsText(block.element ?? {}));
      if (block.hint) lines.push(`  ${textOf(block.hint)}`);
    } else if (block.type === 'section') {
      if (block.text) lines.push(textOf(block.text));
      for (const field of (block.fields ?? []) as Json[]) lines.push(`  ${textOf(field).replace(/\n/g, ' ')}`);
    } else if (block.type === 'header') lines.push(`# ${textOf(block.text)}`);
    else if (block.type === 'divider') lines.push('────────────────────────────────');
    else if (block.type === 'context') lines.push(((block.elements ?? []) as Json[]).map(textOf).join(' · '));
    else lines.push(`<${block.type}>`);
    lines.push('');
  }
  lines.push(`[ ${textOf(view.close)} ]  [ ${textOf(view.submit)} ]`);
  return `${lines.join('\n')}\n`;
}

/** Block Kit's rules for a modal, as Slack would refuse it otherwise. */
export function expectValidModal(view: Json): void {
  expect(view.type).toBe('modal');
  expect(textOf(view.title).length).toBeGreaterThan(0);
  expect(textOf(view.title).length).toBeLessThanOrEqual(24);
  if (view.submit) expect(textOf(view.submit).length).toBeLessThanOrEqual(24);
  expect(String(view.private_metadata ?? '').length).toBeLessThanOrEqual(3000);
  const blocks = (view.blocks ?? []) as Json[];
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(100);
  const ids = blocks.map((b) => b.block_id).filter((id) => id !== undefined);
  expect(new Set(ids).size).toBe(ids.length);
  for (const block of blocks) {
    if (block.type === 'input') {
      expect(block.block_id, 'input blocks need a block_id').toBeTruthy();
      expect(textOf(block.label).length, `label of ${block.block_id}`).toBeGreaterThan(0);
      expect(textOf(block.label).length).toBeLessThanOrEqual(2000);
      expect(block.element?.action_id).toBeTruthy();
      if (block.element?.type === 'static_select') {
        const options = block.element.options as Json[];
        expect(options.length).toBeGreaterThan(0);
        expect(options.length).toBeLessThanOrEqual(100);
        for (const o of options) {
          expect(textOf(o.text).length).toBeLessThanOrEqual(75);
          expect(String(o.value).length).toBeLessThanOrEqual(150);
        }
        if (block.element.initial_option) expect(options).toContainEqual(block.element.initial_option);
      }
      if (block.element?.type === 'plain_text_input') {
        expect(block.element.max_length ?? 3000).toBeLessThanOrEqual(3000);
        expect(String(block.element.initial_value ?? '').length).toBeLessThanOrEqual(3000);
      }
    }
  }
  // every text object of every block: at most 3000 characters
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (!value || typeof value !== 'object') return;
    const object = value as Json;
    if ((object.type === 'mrkdwn' || object.type === 'plain_text') && typeof object.text === 'string') {
      expect(object.text.length).toBeLessThanOrEqual(3000);
    }
    Object.values(object).forEach(walk);
  };
  walk(blocks);
}

/** A Discord modal (interaction callback type 9's data) as text. */
export function discordModalAsText(modal: Json): string {
  const lines = [`╔═ ${modal.title} ═╗`];
  for (const row of (modal.components ?? []) as Json[]) {
    for (const input of (row.components ?? []) as Json[]) {
      lines.push(`${input.label}${input.required ? ' *' : ' (optional)'}`);
      const value = input.value ?? (input.placeholder ? `(${input.placeholder})` : '');
      if (input.style === 2) {
        lines.push(
          '  ┌──────────────────────────────',
          ...String(value || ' ')
            .split('\n')
            .map((l) => `  │ ${l}`),
          '  └────────────────────────────── paragraph',
        );
      } else lines.push(`  [ ${value} ]`);
      lines.push('');
    }
  }
  lines.push('[ Cancel ]  [ Submit ]');
  return `${lines.join('\n')}\n`;
}

/** Discord's rules for a modal: title ≤ 45, 1-5 rows of one text input, labels ≤ 45, placeholders ≤ 100, custom ids ≤ 100. */
export function expectValidDiscordModal(modal: Json): void {
  expect(String(modal.title).length).toBeGreaterThan(0);
  expect(String(modal.title).length).toBeLessThanOrEqual(45);
  expect(String(modal.custom_id).length).toBeLessThanOrEqual(100);
  const rows = (modal.components ?? []) as Json[];
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.length).toBeLessThanOrEqual(5);
  const ids = new Set<string>();
  for (const row of rows) {
    expect(row.type).toBe(1);
    expect(row.components).toHaveLength(1);
    const input = row.components[0] as Json;
    expect(input.type).toBe(4);
    expect(String(input.label).length).toBeGreaterThan(0);
    expect(String(input.label).length).toBeLessThanOrEqual(45);
    expect(String(input.placeholder ?? '').length).toBeLessThanOrEqual(100);
    expect(String(input.value ?? '').length).toBeLessThanOrEqual(4000);
    expect(input.max_length ?? 4000).toBeLessThanOrEqual(4000);
    expect(ids.has(input.custom_id)).toBe(false);
    ids.add(input.custom_id);
  }
}

/** A Discord message (content, embeds, buttons) as text, without the ids that change from run to run. */
export function discordMessageAsText(message: Json): string {
  const lines: string[] = [];
  if (message.content) lines.push(String(message.content), '');
  for (const embed of (message.embeds ?? []) as Json[]) {
    if (embed.title) lines.push(`▌ ${embed.title}`);
    if (embed.description)
      lines.push(
        ...String(embed.description)
          .split('\n')
          .map((l) => `▌ ${l}`),
      );
    for (const field of (embed.fields ?? []) as Json[]) lines.push(`▌ ${field.name}: ${field.value}`);
    if (embed.footer?.text) lines.push(`▌ ${embed.footer.text}`);
    lines.push('');
  }
  const buttons = ((message.components ?? []) as Json[]).flatMap((row) => (row.components ?? []) as Json[]);
  if (buttons.length) lines.push(buttons.map((b) => `[ ${b.label} ]`).join('  '));
  return `${lines.join('\n')}\n`;
}
