import { z } from 'zod';
import type { OptionsSchema } from './command.ts';

/** What the parser, help and the Discord registration need to know about one option. */
export interface OptionInfo {
  name: string;
  description: string;
  type: 'string' | 'integer' | 'number' | 'boolean';
  required: boolean;
  choices?: string[];
  min?: number;
  max?: number;
  defaultValue?: unknown;
  /** Extra semantics set with `.meta()`: date, attachment source, autocomplete source. */
  kind?: 'date' | 'source' | 'user' | 'channel';
  autocomplete?: 'segment' | 'campaign' | 'segment-run';
  /** Shown in help: `k=auto|2..12`. */
  hint?: string;
  /** A text option that also takes numbers (`k=auto|2..12`): numeric text becomes a number. */
  numericText?: boolean;
  /** Long text (`.meta({ long: true })`): a multi-line input in forms. */
  long?: boolean;
  /** Forms offer these names as choices (a number option that names a stored thing, e.g. a digest schedule). */
  choicesFrom?: 'schedule';
  /** The most characters a text option takes. */
  maxLength?: number;
}

interface OptionMeta {
  kind?: OptionInfo['kind'];
  autocomplete?: OptionInfo['autocomplete'];
  hint?: string;
  long?: boolean;
  choicesFrom?: OptionInfo['choicesFrom'];
}

function unwrap(schema: z.ZodType): {
  inner: z.ZodType;
  required: boolean;
  defaultValue?: unknown;
  description?: string;
  meta: OptionMeta;
} {
  let current: z.ZodType = schema;
  let required = true;
  let defaultValue: unknown;
  let description = schema.description;
  let meta: OptionMeta = { ...((schema.meta() as OptionMeta | undefined) ?? {}) };
  for (;;) {
    const def = (current as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; defaultValue?: unknown; in?: z.ZodType } } })
      ._zod.def;
    if (def.type === 'optional' || def.type === 'nullable') required = false;
    else if (def.type === 'default' || def.type === 'prefault') {
      required = false;
      defaultValue = typeof def.defaultValue === 'function' ? undefined : def.defaultValue;
    } else if (def.type !== 'pipe') break;
    current = def.type === 'pipe' ? def.in! : def.innerType!;
    description ??= current.description;
    meta = { ...((current.meta() as OptionMeta | undefined) ?? {}), ...meta };
  }
  return { inner: current, required, defaultValue, description, meta };
}

export function describeOption(name: string, schema: z.ZodType): OptionInfo {
  const { inner, required, defaultValue, description, meta } = unwrap(schema);
  const info: OptionInfo = { name, description: description ?? name, type: 'string', required, defaultValue, ...meta };
  if (inner instanceof z.ZodNumber) {
    info.type = inner.isInt ? 'integer' : 'number';
    if (isRealBound(inner.minValue)) info.min = inner.minValue!;
    if (isRealBound(inner.maxValue)) info.max = inner.maxValue!;
  } else if (inner instanceof z.ZodBoolean) {
    info.type = 'boolean';
  } else if (inner instanceof z.ZodEnum) {
    info.choices = inner.options.map(String);
  } else if (inner instanceof z.ZodString) {
    if (typeof inner.maxLength === 'number') info.maxLength = inner.maxLength;
  } else if (inner instanceof z.ZodUnion) {
    info.numericText = inner.options.some((option) => option instanceof z.ZodNumber);
  }
  return info;
}

/** `.int()` alone sets the safe-integer range, which is no bound worth showing a user. */
function isRealBound(value: number | null | undefined): boolean {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < Number.MAX_SAFE_INTEGER;
}

const described = new WeakMap<OptionsSchema, OptionInfo[]>();

/** Worked out once per schema (every command line is parsed against it, on the ack path). */
export function describeOptions(schema: OptionsSchema): OptionInfo[] {
  let infos = described.get(schema);
  if (!infos) {
    infos = Object.entries(schema.shape).map(([name, option]) => describeOption(name, option));
    described.set(schema, infos);
  }
  return infos.slice();
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0']);

/** Turns a typed-in string into the option's type; anything unconvertible is left for zod to reject. */
export function coerceOption(info: OptionInfo, raw: string | true): unknown {
  if (raw === true) return info.type === 'boolean' ? true : raw;
  if (info.type === 'boolean') {
    const word = raw.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return raw;
  }
  if (info.type === 'integer' || info.type === 'number' || info.numericText) {
    const cleaned = raw.replace(/[_,](?=\d{3}\b)/g, '');
    return cleaned !== '' && Number.isFinite(Number(cleaned)) ? Number(cleaned) : raw;
  }
  return raw;
}

/** Usage of one option for help: `k=<2..12>`, `method=kmeans|rfm`, `--strict`. */
export function optionUsage(info: OptionInfo): string {
  if (info.hint) return `${info.name}=${info.hint}`;
  if (info.type === 'boolean') return `${info.name}=true|false`;
  if (info.choices) return `${info.name}=${info.choices.join('|')}`;
  if (info.min !== undefined && info.max !== undefined) return `${info.name}=${info.min}..${info.max}`;
  if (info.kind === 'date') return `${info.name}=YYYY-MM-DD`;
  return `${info.name}=…`;
}
