import { ConfigError, type Config } from '../config/config.ts';
import { dialectOf, sqlitePath } from '../store/database.ts';
import { resourceError } from '../store/resource-errors.ts';

/** A start-up failure the operator can fix: its message is one plain sentence naming the setting or resource. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** DATABASE_URL with any password hidden: safe to print. */
export function safeDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

/** Why the store named by DATABASE_URL could not be opened or brought up to date, and what to do. */
export function storeProblem(error: unknown, url: string): StartupError {
  const code = String((error as { code?: unknown }).code ?? '');
  const reason = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
  const where = `DATABASE_URL=${safeDatabaseUrl(url)}`;
  // the same sentences as a command's (a full disk, PostgreSQL not answering, out of connections, read-only)
  const resource = resourceError(error, { databaseUrl: url });
  if (resource?.code === 'database_unreachable')
    return new StartupError(
      `The database ${where} could not be opened: ${resource.message.replace(/\.$/, '')}; start it or fix DATABASE_URL.`,
    );
  if (resource) return new StartupError(`The database ${where} could not be opened: ${resource.message} ${resource.hint ?? ''}`.trim());
  if (dialectOf(url) === 'sqlite') {
    const file = sqlitePath(url);
    const fix =
      code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
        ? 'point DATABASE_URL at the bot’s database file (or a new file name), or restore the file from a backup'
        : `make sure the folder of ${file} exists and the bot’s user may write there, or point DATABASE_URL at another file`;
    return new StartupError(`The database ${where} could not be opened (${reason}): ${fix}.`);
  }
  const fix =
    code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT'
      ? 'check that PostgreSQL is running and that the host and port in DATABASE_URL are right'
      : code === '28P01' || code === '28000'
        ? 'check the user name and password in DATABASE_URL'
        : code === '3D000'
          ? 'create the database (createdb) or fix its name in DATABASE_URL'
          : 'check DATABASE_URL and that the database user may create tables';
  return new StartupError(`The database ${where} could not be opened (${reason}): ${fix}.`);
}

/**
 * The one sentence printed when start-up fails: configuration and start-up errors as written, a
 * port that cannot be bound named with its setting, anything else as a short apology pointing at
 * the debug log (never a stack trace).
 */
export function startupFailureMessage(error: unknown, config?: Config): string {
  if (error instanceof ConfigError || error instanceof StartupError) return error.message;
  const { code, port } = error as { code?: string; port?: number };
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const setting = port !== undefined && config?.HEALTH_PORT === port ? 'HEALTH_PORT' : 'PORT';
    return code === 'EADDRINUSE'
      ? `Port ${port ?? ''} (${setting}) is already in use by another program: stop that program or set ${setting} to a free port.`
      : `Port ${port ?? ''} (${setting}) may not be opened by this user: set ${setting} to a port above 1023.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `growthbot could not start: ${message.split('\n')[0]} (run with LOG_LEVEL=debug for details).`;
}
