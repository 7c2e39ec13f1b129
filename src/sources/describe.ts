import { UserError } from '../core/errors.ts';
import { nearest } from '../core/suggest.ts';
import { REDACTED, redactUrl, redactUrls } from '../privacy/redact-url.ts';
import type { SourceDefinition } from './definition.ts';

/** Where a source reads, as chat and logs may show it: no password, token or query value. */
export function sourceWhere(source: SourceDefinition): string {
  switch (source.type) {
    case 'url':
      return redactUrl(source.url ?? '');
    case 'postgres': {
      try {
        const url = new URL(source.connection ?? '');
        return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
      } catch {
        return 'PostgreSQL';
      }
    }
    case 'sqlite':
      return `SQLite ${source.path}`;
    case 'directory':
      return `${source.path}/${source.glob ?? '*.csv'}`;
  }
}

/** The secrets a source holds: its connection string and password, header values, URL credentials and query values. */
function secretsOf(source: SourceDefinition): string[] {
  const secrets: string[] = [];
  for (const address of [source.connection, source.url]) {
    if (!address) continue;
    secrets.push(address);
    try {
      const url = new URL(address);
      if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
      if (url.username && address === source.connection) secrets.push(`${url.username}:`);
      for (const value of url.searchParams.values()) if (value.length >= 4) secrets.push(value);
    } catch {
      // not a URL: the whole text is redacted
    }
  }
  for (const value of Object.values(source.headers ?? {})) {
    secrets.push(value);
    const token = /^\S+\s+(\S{4,})$/.exec(value.trim());
    if (token) secrets.push(token[1]!);
  }
  return secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/** A text (an error from a driver, a server) with the source's secrets and every URL's credentials removed. */
export function redactSecrets(text: string, source: SourceDefinition): string {
  let out = text;
  for (const secret of secretsOf(source)) out = out.split(secret).join(REDACTED);
  return redactUrls(out);
}

/** The source named, or a UserError listing the defined ones with the nearest to a typo. */
export function findSource(sources: readonly SourceDefinition[], name: string): SourceDefinition {
  const found = sources.find((s) => s.name === name) ?? sources.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (found) return found;
  if (sources.length === 0)
    throw new UserError('no_sources', 'No sources are defined on this bot.', {
      hint: 'An admin defines them in the sources file (SOURCES_FILE, default ./sources.yaml) and restarts the bot; see README: Connect your data.',
    });
  const names = sources.map((s) => s.name);
  const guess = nearest(name, names);
  throw new UserError('unknown_source', `There is no source named \`${name}\`.${guess ? ` Did you mean \`${guess}\`?` : ''}`, {
    hint: `Sources: ${names.map((n) => `\`${n}\``).join(', ')} (see /source list).`,
  });
}

/** Any error of a source as a UserError whose message and hint hold none of its secrets. */
export function redactedError(error: unknown, source: SourceDefinition): UserError {
  if (error instanceof UserError)
    return new UserError(error.code, redactSecrets(error.message, source), {
      hint: error.hint === undefined ? undefined : redactSecrets(error.hint, source),
      context: error.context,
    });
  return new UserError(
    'source_failed',
    `Reading source \`${source.name}\` failed: ${redactSecrets(String((error as Error)?.message ?? error), source)}.`,
    { hint: 'An admin can find the details in the bot’s logs.' },
  );
}
