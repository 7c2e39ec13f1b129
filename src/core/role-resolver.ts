import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../store/schema.ts';
import type { Caller } from './context.ts';
import { highestRole, parseRole, type Role } from './roles.ts';

/**
 * The caller's role, first match wins: the bot's role table, BOT_ADMINS, the highest role
 * mapped from the caller's platform groups (ROLE_MAP), then the default (admin in the console
 * and for the scheduler, DEFAULT_ROLE elsewhere).
 */
export async function resolveRole(db: Kysely<Database>, config: Config, caller: Caller): Promise<Role> {
  const grant = await db
    .selectFrom('role_grants')
    .select('role')
    .where('platform', '=', caller.platform)
    .where('user_id', '=', caller.userId)
    .executeTakeFirst();
  if (grant) return parseRole(grant.role);
  if (config.BOT_ADMINS.includes(caller.userId)) return 'admin';
  const mapped = highestRole(mappedRoles(config, caller));
  if (mapped) return mapped;
  if (caller.platform === 'console' || caller.platform === 'scheduler') return 'admin';
  return config.DEFAULT_ROLE;
}

function* mappedRoles(config: Config, caller: Caller): Iterable<Role> {
  const groups = new Set(caller.platformRoles ?? []);
  for (const item of config.ROLE_MAP) {
    const [platformAndGroup, role] = item.split('=') as [string, string];
    const separator = platformAndGroup.indexOf(':');
    if (platformAndGroup.slice(0, separator) === caller.platform && groups.has(platformAndGroup.slice(separator + 1))) {
      yield parseRole(role);
    }
  }
}

/**
 * resolveRole, remembered per caller for a few seconds: a burst of commands from the same people
 * costs one lookup each. The bot clears it when /admin grant or revoke runs in this process;
 * a grant made by another instance applies here within `ttlMs`.
 */
export class RoleCache {
  readonly #known = new Map<string, { role: Role; until: number }>();
  #generation = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Config,
    private readonly ttlMs = 5000,
    private readonly maxEntries = 10_000,
  ) {}

  async resolve(caller: Caller): Promise<Role> {
    const key = JSON.stringify([caller.platform, caller.userId, [...(caller.platformRoles ?? [])].sort()]);
    const now = Date.now();
    const known = this.#known.get(key);
    if (known && known.until > now) return known.role;
    if (this.ttlMs <= 0) return resolveRole(this.db, this.config, caller);
    const generation = this.#generation;
    const role = await resolveRole(this.db, this.config, caller);
    if (generation !== this.#generation) return role; // a grant or revoke landed meanwhile
    this.#known.delete(key);
    this.#known.set(key, { role, until: now + this.ttlMs });
    if (this.#known.size > this.maxEntries) this.#known.delete(this.#known.keys().next().value!);
    return role;
  }

  clear(): void {
    this.#generation++;
    this.#known.clear();
  }
}
