import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/config.ts';
import { UserError } from '../core/errors.ts';
import { isValidTimeZone } from '../core/time-zone.ts';
import { parseCron } from '../digests/cron.ts';
import { IMPORT_KINDS } from '../import/fields.ts';
import { SOURCE_TYPES, type SourceDefinition } from './definition.ts';

/** Where sources are read from when SOURCES_FILE is not set; a missing default file means no sources. */
export const DEFAULT_SOURCES_FILE = './sources.yaml';

/** Source names: what `/source sync <name>` is typed with. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
/** `${VAR}`: the only way a secret gets into a source. */
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** `:since` as a bound parameter (not `::since`, not `:sinceX`). */
export const SINCE_PARAMETER = /(?<![:\w]):since\b/;
/** Header names whose values are credentials: written only as `${VAR}` references. */
const SECRET_HEADER = /authorization|token|key|secret|password|cookie/i;

const text = z.string().trim().min(1, 'must not be empty');

const common = {
  kind: z.enum(IMPORT_KINDS, { error: `must be one of ${IMPORT_KINDS.join(', ')}` }),
  map: text.optional(),
  date_format: text.optional(),
  preset: text.optional(),
  incremental: text.optional(),
  schedule: text.optional(),
  zone: text.optional(),
};

const sourceSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('url'),
      url: text.refine((v) => /^https?:\/\//i.test(v), 'must be an https:// (or http://) URL'),
      headers: z.record(z.string(), z.string()).optional(),
      ...common,
    }),
    z.strictObject({
      type: z.literal('postgres'),
      connection: text.refine((v) => /^postgres(ql)?:\/\//i.test(v), 'must be a postgres:// connection string'),
      query: text,
      ...common,
    }),
    z.strictObject({ type: z.literal('sqlite'), path: text, query: text, ...common }),
    z.strictObject({ type: z.literal('directory'), path: text, glob: text.default('*.csv'), ...common }),
  ],
  { error: `must be one of ${SOURCE_TYPES.join(', ')}` },
);

const fileSchema = z.strictObject({
  sources: z.record(z.string(), z.unknown()).nullish(),
});

/** `${VAR}` references replaced by the environment's values, and where one is missing. */
function substitute(value: unknown, env: Record<string, string | undefined>, at: string, missing: string[]): unknown {
  if (typeof value === 'string')
    return value.replace(ENV_REF, (_, name: string) => {
      const found = env[name];
      if (found === undefined || found === '') {
        missing.push(`${at}: \${${name}} is not set in the environment`);
        return '';
      }
      return found;
    });
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, env, `${at}.${i}`, missing));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, env, `${at}.${key}`, missing)]));
  return value;
}

const hasRef = (value: unknown) => typeof value === 'string' && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value);

/** Secrets written into the file itself, before substitution: refused (they belong in the environment). */
function literalSecrets(raw: Record<string, unknown>, at: string): string[] {
  const problems: string[] = [];
  const connection = raw.connection;
  if (typeof connection === 'string' && !hasRef(connection) && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(connection))
    problems.push(`${at}.connection: holds a password; put the connection string in an environment variable and write connection: \${VAR}`);
  if (typeof raw.url === 'string' && !hasRef(raw.url) && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(raw.url))
    problems.push(`${at}.url: holds a password; write it as a \${VAR} reference or use a header with a token from the environment`);
  if (raw.headers && typeof raw.headers === 'object')
    for (const [header, value] of Object.entries(raw.headers as Record<string, unknown>))
      if (SECRET_HEADER.test(header) && !hasRef(value))
        problems.push(`${at}.headers.${header}: a credential must come from the environment, e.g. "Bearer \${SHOP_TOKEN}"`);
  return problems;
}

/** The checks across fields of one source, as `field: problem` lines. */
function crossChecks(source: SourceDefinition, at: string): string[] {
  const problems: string[] = [];
  const usesSince = source.query !== undefined && SINCE_PARAMETER.test(source.query);
  if (source.incremental !== undefined) {
    if (source.type !== 'postgres' && source.type !== 'sqlite')
      problems.push(`${at}.incremental: only postgres and sqlite sources read incrementally (their query names :since)`);
    else if (!usesSince)
      problems.push(
        `${at}.query: an incremental source's query must name :since, e.g. where :since is null or ${source.incremental} > :since`,
      );
  } else if (usesSince) {
    problems.push(`${at}.incremental: the query names :since, so say which column it follows, e.g. incremental: updated_at`);
  }
  if (source.schedule !== undefined) {
    try {
      parseCron(source.schedule);
    } catch (error) {
      problems.push(`${at}.schedule: ${error instanceof UserError ? error.message : String(error)}`);
    }
  }
  if (source.zone !== undefined && !isValidTimeZone(source.zone))
    problems.push(`${at}.zone: must be an IANA time zone name such as UTC or Europe/Berlin`);
  return problems;
}

function issuePath(at: string, issuePathParts: PropertyKey[]): string {
  return [at, ...issuePathParts.map(String)].join('.');
}

/**
 * Reads and validates SOURCES_FILE: `sources:` maps a name to its definition; `${VAR}` references are
 * replaced by the environment's values. A missing file is no sources when it is the default file, and
 * an error when SOURCES_FILE names it. Every problem (naming the source and the field) is reported
 * together, as a ConfigError that stops the start.
 */
export function loadSources(file: string | undefined, env: Record<string, string | undefined>): SourceDefinition[] {
  const explicit = file !== undefined && file.trim() !== '';
  const location = explicit ? file.trim() : DEFAULT_SOURCES_FILE;
  const fail = (lines: string[]) =>
    new ConfigError(
      `The sources file ${location} is not valid:\n${lines.map((line) => `  ${line}`).join('\n')}\nFix it (see README: Connect your data) and start again.`,
    );
  if (!existsSync(location)) {
    if (!explicit) return [];
    throw new ConfigError(
      `SOURCES_FILE: ${location} does not exist (relative paths are taken from ${path.resolve('.')}). Create it, correct SOURCES_FILE, or leave SOURCES_FILE empty for no sources.`,
    );
  }
  let document: unknown;
  try {
    document = parseYaml(readFileSync(location, 'utf8'));
  } catch (error) {
    throw fail([`not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`]);
  }
  if (document === null || document === undefined) return [];
  const parsedFile = fileSchema.safeParse(document);
  if (!parsedFile.success)
    throw fail(parsedFile.error.issues.map((issue) => `${issue.path.map(String).join('.') || 'file'}: ${issue.message}`));
  const problems: string[] = [];
  const sources: SourceDefinition[] = [];
  for (const [name, raw] of Object.entries(parsedFile.data.sources ?? {})) {
    const at = `sources.${name}`;
    if (!NAME.test(name)) {
      problems.push(`${at}: a source name is letters, digits, - and _ (up to 64), e.g. shop-orders`);
      continue;
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${at}: must be a mapping with type, kind and where to read`);
      continue;
    }
    const secrets = literalSecrets(raw as Record<string, unknown>, at);
    if (secrets.length) {
      problems.push(...secrets);
      continue;
    }
    const missing: string[] = [];
    const substituted = substitute(raw, env, at, missing);
    if (missing.length) {
      problems.push(...missing);
      continue;
    }
    const parsed = sourceSchema.safeParse(substituted);
    if (!parsed.success) {
      // the message never repeats a value: it may be a secret from the environment
      problems.push(...parsed.error.issues.map((issue) => `${issuePath(at, issue.path)}: ${issue.message}`));
      continue;
    }
    const source = { name, ...parsed.data } as SourceDefinition;
    const found = crossChecks(source, at);
    if (found.length) problems.push(...found);
    else sources.push(source);
  }
  if (problems.length) throw fail(problems);
  return sources;
}
