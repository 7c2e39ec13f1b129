import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Database } from '../store/schema.ts';

export type ChatPlatform = 'slack' | 'discord';

const FIND_YOUR_ID: Record<ChatPlatform, string> = {
  slack: 'Slack: your profile > ⋮ > Copy member ID, e.g. U012ABCDEF',
  discord: 'Discord: Settings > Advanced > Developer Mode on, then right-click your name > Copy User ID',
};

/**
 * The chat platforms on which nobody can become admin: BOT_ADMINS is empty, the role table grants admin
 * to nobody there, no ROLE_MAP group maps to admin and DEFAULT_ROLE is not admin. Role grants are per
 * platform and need an admin of that platform, so only BOT_ADMINS can get such a platform started.
 */
export async function platformsWithoutAdmin(db: Kysely<Database>, config: Config, platforms: ChatPlatform[]): Promise<ChatPlatform[]> {
  if (config.BOT_ADMINS.length > 0 || config.DEFAULT_ROLE === 'admin' || platforms.length === 0) return [];
  const granted = await db
    .selectFrom('role_grants')
    .select('platform')
    .distinct()
    .where('role', '=', 'admin')
    .where('platform', 'in', platforms)
    .execute();
  const mapped = config.ROLE_MAP.filter((item) => item.endsWith('=admin')).map((item) => item.slice(0, item.indexOf(':')));
  return platforms.filter((p) => !granted.some((g) => g.platform === p) && !mapped.includes(p));
}

/** The start-up warning for platforms without an admin: what nobody can do, and how to fix it. */
export function noAdminWarning(platforms: ChatPlatform[], config: Config): string {
  const names = platforms.map((p) => (p === 'slack' ? 'Slack' : 'Discord')).join(' and ');
  const cannotImport = config.DEFAULT_ROLE === 'viewer' ? 'import data or ' : '';
  return (
    `Nobody is an admin on ${names}: BOT_ADMINS is empty and no admin is granted in the role table, ` +
    `so nobody can ${cannotImport}grant roles (/admin grant) until BOT_ADMINS is set. ` +
    `Set BOT_ADMINS=<your user id> in .env and restart (${platforms.map((p) => FIND_YOUR_ID[p]).join('; ')}).`
  );
}
