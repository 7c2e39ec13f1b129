import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Platform } from '../core/context.ts';
import { UserError } from '../core/errors.ts';
import { mention } from '../core/mention.ts';
import type { Reply } from '../core/reply.ts';
import type { Database } from '../store/schema.ts';

/** Admins named at most, so a home stays short. */
const MAX_ADMINS = 5;

/** What a user id looks like on each chat platform: BOT_ADMINS mixes them. */
const ID_SHAPE: Partial<Record<Platform, RegExp>> = { slack: /^[UW][A-Z0-9]{2,}$/, discord: /^\d{5,}$/ };

/** Who can grant roles on this platform: its admins in the role table, and the BOT_ADMINS of its kind. */
export async function adminsOf(db: Kysely<Database>, config: Config, platform: Platform): Promise<string[]> {
  const granted = await db
    .selectFrom('role_grants')
    .select('user_id')
    .where('platform', '=', platform)
    .where('role', '=', 'admin')
    .orderBy('user_id')
    .execute();
  const shape = ID_SHAPE[platform];
  const configured = config.BOT_ADMINS.filter((id) => !shape || shape.test(id));
  return [...new Set([...configured, ...granted.map((g) => g.user_id)])].slice(0, MAX_ADMINS);
}

/** `ask @ann or @bob (/admin grant …)`, or how to get a first admin when there is none. */
export function askAnAdmin(admins: string[]): string {
  if (!admins.length) return 'nobody is an admin yet: whoever runs the bot sets BOT_ADMINS to their user id, then grants roles';
  return `ask ${admins.map(mention).join(' or ')} (an admin grants it with /admin grant <you> <role>)`;
}

/** The home of a user the bot refuses (a role too low, a restart): the refusal, and for a missing role who to ask. */
export function homeRefusal(error: unknown, refused: Reply, admins: string[]): Reply {
  const notes = error instanceof UserError && error.code === 'forbidden' ? [`Who to ask: ${askAnAdmin(admins)}.`] : [];
  return { ...refused, view: { ...refused.view, title: 'Your growthbot home', ...(notes.length ? { notes } : {}) } };
}
