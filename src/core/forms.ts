import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { ActionDefinition } from './command.ts';
import { UserError } from './errors.ts';
import { coerceOption, describeOptions, type OptionInfo } from './option-schema.ts';
import { parseCommandLine } from './parse.ts';
import type { CommandRegistry } from './registry.ts';
import { tokenize } from './tokenize.ts';

/**
 * A command as a form, platform-neutral: one field per option of its zod schema. Adapters draw
 * it (Slack modal, Discord modal) and hand the submitted text back; the values become the same
 * options a typed command gives and go through bot.prepare / bot.run like any command.
 */

/** The word that opens a command's form: `/segment run form`. */
export const FORM_WORD = 'form';

export type FieldKind = 'select' | 'number' | 'date' | 'text' | 'long-text' | 'user' | 'channel';
export type ChoiceSource = 'segment' | 'campaign' | 'segment-run' | 'schedule';

export interface FormChoice {
  label: string;
  value: string;
}

export interface FormField {
  /** The option's name; also the field's id on every platform. */
  name: string;
  /** `Cost per send` */
  label: string;
  /** The option's description. */
  hint: string;
  required: boolean;
  kind: FieldKind;
  /** Fixed choices (enums, yes/no) or, once loaded, the names of a stored thing. */
  choices?: FormChoice[];
  /** Where the choices come from when they are names in the store. */
  source?: ChoiceSource;
  min?: number;
  max?: number;
  integer?: boolean;
  maxLength?: number;
  /** The value shown at first: what was typed with the command, else the option's default. */
  initial?: string;
  /** Typed as `holdout=10%`: how the value is written. */
  example?: string;
}

export interface FormSpec {
  /** `campaign create` */
  path: string;
  /** `/campaign create` */
  title: string;
  description: string;
  fields: FormField[];
  /** The action shows a preview (formPreview) before it saves. */
  previews: boolean;
}

/** `cost_per_send` -> `Cost per send` */
export function fieldLabel(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const YES_NO: FormChoice[] = [
  { label: 'yes', value: 'true' },
  { label: 'no', value: 'false' },
];

function fieldOf(info: OptionInfo, given: unknown): FormField {
  const field: FormField = {
    name: info.name,
    label: fieldLabel(info.name),
    hint: info.description === info.name ? fieldLabel(info.name) : info.description,
    required: info.required,
    kind: 'text',
  };
  const source: ChoiceSource | undefined = info.autocomplete ?? info.choicesFrom;
  if (info.type === 'boolean') {
    field.kind = 'select';
    field.choices = YES_NO;
  } else if (info.choices) {
    field.kind = 'select';
    field.choices = info.choices.map((c) => ({ label: c, value: c }));
  } else if (source) {
    field.kind = 'select';
    field.source = source;
  } else if (info.type === 'integer' || info.type === 'number') {
    field.kind = 'number';
    field.integer = info.type === 'integer';
    if (info.min !== undefined) field.min = info.min;
    if (info.max !== undefined) field.max = info.max;
  } else if (info.kind === 'date') field.kind = 'date';
  else if (info.kind === 'user') field.kind = 'user';
  else if (info.kind === 'channel') field.kind = 'channel';
  else if (info.long) field.kind = 'long-text';
  if (info.maxLength !== undefined) field.maxLength = info.maxLength;
  if (info.hint) field.example = info.hint;
  const initial = given !== undefined && given !== true ? given : info.defaultValue;
  if (initial !== undefined && initial !== null) field.initial = String(initial);
  else if (given === true && info.type === 'boolean') field.initial = 'true';
  return field;
}

/** The form of one action, with the values typed so far (`raw`) as initial values. */
export function formSpec(path: string, action: ActionDefinition, raw: Record<string, unknown> = {}): FormSpec {
  return {
    path,
    title: `/${path}`,
    description: action.description,
    fields: describeOptions(action.options).map((info) => fieldOf(info, raw[info.name])),
    previews: Boolean(action.formPreview),
  };
}

/**
 * Whether a typed line asks for a form: ends with the word `form` (any command), or names an
 * action and leaves one of its required options out. Returns the line to open the form for
 * (without `form`), or undefined when the line runs (or fails) as typed.
 */
export function formRequested(registry: CommandRegistry, line: string): string | undefined {
  let tokens;
  try {
    tokens = tokenize(line.trim());
  } catch {
    return undefined;
  }
  const last = tokens[tokens.length - 1];
  if (tokens.length > 1 && last?.kind === 'positional' && last.value.toLowerCase() === FORM_WORD) {
    const stripped = line.trim().replace(/\s+\S+$/, '');
    try {
      parseCommandLine(registry, stripped);
      return stripped;
    } catch {
      return undefined;
    }
  }
  try {
    const parsed = parseCommandLine(registry, line);
    const missing = describeOptions(parsed.action.options).some((info) => info.required && parsed.raw[info.name] === undefined);
    return missing ? line.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** The names a dynamic field offers, newest first where that helps; none when the table is empty or missing. */
async function choicesFrom(db: Kysely<Database>, source: ChoiceSource, limit: number): Promise<FormChoice[]> {
  try {
    if (source === 'segment') {
      const rows = await sql<{ name: unknown }>`select distinct name from segments order by name limit ${limit}`.execute(db);
      return rows.rows.map((r) => ({ label: String(r.name), value: String(r.name) }));
    }
    if (source === 'campaign') {
      const rows = await db.selectFrom('campaigns').select(['id', 'name', 'state']).orderBy('id', 'desc').limit(limit).execute();
      return rows.map((r) => ({ label: `#${r.id} ${r.name} (${r.state.replace(/_/g, ' ')})`, value: String(r.id) }));
    }
    if (source === 'segment-run') {
      const rows = await db
        .selectFrom('segment_runs')
        .select(['id', 'name'])
        .where('status', '=', 'complete')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ label: `#${r.id}${r.name ? ` ${r.name}` : ''}`, value: String(r.id) }));
    }
    const rows = await db
      .selectFrom('digest_schedules')
      .select(['id', 'cron', 'time_zone', 'channel_id', 'paused'])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      label: `#${r.id} ${r.cron} ${r.time_zone} to ${r.channel_id}${r.paused ? ' (paused)' : ''}`,
      value: String(r.id),
    }));
  } catch {
    return [];
  }
}

/** Fills the choices of fields whose names are in the store; a field with none stays a text input. */
export async function withStoredChoices(db: Kysely<Database>, spec: FormSpec, limit = 100): Promise<FormSpec> {
  const fields = await Promise.all(
    spec.fields.map(async (field) => {
      if (!field.source) return field;
      const found = await choicesFrom(db, field.source, limit);
      const extra = field.source === 'segment' && /\bor all\b/.test(field.hint) ? [{ label: 'all customers', value: 'all' }] : [];
      const choices = [...extra, ...found];
      if (choices.length === 0) return { ...field, kind: 'text' as const };
      if (field.initial && !choices.some((c) => c.value === field.initial)) choices.unshift({ label: field.initial, value: field.initial });
      return { ...field, choices };
    }),
  );
  return { ...spec, fields };
}

/** Submitted text per field -> the options a typed command would give (empty fields left out). */
export function formOptions(spec: FormSpec, action: ActionDefinition, values: Record<string, string | undefined>): Record<string, unknown> {
  const infos = describeOptions(action.options);
  const options: Record<string, unknown> = {};
  for (const field of spec.fields) {
    const value = values[field.name]?.trim();
    if (value === undefined || value === '') continue;
    const info = infos.find((i) => i.name === field.name)!;
    options[field.name] = coerceOption(info, field.kind === 'long-text' ? values[field.name]! : value);
  }
  return options;
}

/** The typed command a form's values amount to: `/campaign create name="Winter winback" segment=at-risk`. */
export function formCommandLine(path: string, options: Record<string, unknown>): string {
  const parts = Object.entries(options).map(([name, value]) => `${name}=${quoteValue(String(value))}`);
  return [`/${path}`, ...parts].join(' ');
}

function quoteValue(value: string): string {
  if (value !== '' && !/[\s"'“”‘’«»]/.test(value)) return value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/"/g, '”')}"`;
}

/** A message for a field: no code marks, short enough for any platform. */
function fieldMessage(text: string): string {
  const plain = text.replace(/`/g, '').replace(/\*/g, '').trim();
  return plain.length <= 280 ? plain : `${plain.slice(0, 279)}…`;
}

/**
 * Where each problem goes: per option when validation named them, the field a UserError names
 * (context.field, or the first field mentioned), else the form's first field.
 */
export function fieldErrors(error: unknown, spec: FormSpec): Record<string, string> {
  const names = spec.fields.map((f) => f.name);
  if (error instanceof UserError) {
    const perOption = (error.context.fields ?? {}) as Record<string, string>;
    const mapped = Object.entries(perOption).filter(([name]) => names.includes(name));
    if (mapped.length) return Object.fromEntries(mapped.map(([name, message]) => [name, fieldMessage(message)]));
    const named = typeof error.context.field === 'string' && names.includes(error.context.field) ? error.context.field : undefined;
    const mentioned = names.find((name) => new RegExp(`(^|[\\s\`(])${name}([\\s\`=:.,)]|$)`).test(error.message));
    const target = named ?? mentioned ?? names[0];
    if (target) return { [target]: fieldMessage(error.text) };
  }
  return names[0] ? { [names[0]]: 'Something went wrong on our side; please try again.' } : {};
}

/** Discord's modals take a handful of fields: the form in steps of at most `perStep`. */
export function formSteps(spec: FormSpec, perStep: number): FormField[][] {
  const steps: FormField[][] = [];
  for (let i = 0; i < spec.fields.length; i += perStep) steps.push(spec.fields.slice(i, i + perStep));
  return steps.length ? steps : [[]];
}
