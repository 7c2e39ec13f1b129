import type { Kysely, Selectable } from 'kysely';
import { UserError } from '../core/errors.ts';
import type { Database, DigestRunsTable, DigestSchedulesTable } from '../store/schema.ts';
import type { Section } from './content.ts';
import type { PeriodKind } from './periods.ts';

export type DigestSchedule = Selectable<DigestSchedulesTable>;
export type DigestRun = Selectable<DigestRunsTable>;

export interface NewSchedule {
  platform: string;
  channelId: string;
  cron: string;
  timeZone: string;
  sections: Section[];
  period: PeriodKind;
  onlyOnChange: boolean;
  createdBy: string;
  createdByPlatform: string;
  createdByChannel: string | null;
  /** Sources synced before each run (refresh=). */
  refresh?: string[];
}

export async function createSchedule(db: Kysely<Database>, schedule: NewSchedule, now: Date): Promise<DigestSchedule> {
  const at = now.toISOString();
  const row = await db
    .insertInto('digest_schedules')
    .values({
      platform: schedule.platform,
      channel_id: schedule.channelId,
      cron: schedule.cron,
      time_zone: schedule.timeZone,
      sections: schedule.sections.join(','),
      period: schedule.period,
      only_on_change: schedule.onlyOnChange ? 1 : 0,
      paused: 0,
      created_by: schedule.createdBy,
      created_by_platform: schedule.createdByPlatform,
      created_by_channel: schedule.createdByChannel,
      refresh: schedule.refresh?.length ? schedule.refresh.join(',') : null,
      created_at: at,
      updated_at: at,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...row, id: Number(row.id) };
}

export async function findSchedule(db: Kysely<Database>, id: number): Promise<DigestSchedule | undefined> {
  const row = await db.selectFrom('digest_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { ...row, id: Number(row.id) };
}

export async function requireSchedule(db: Kysely<Database>, id: number): Promise<DigestSchedule> {
  const schedule = await findSchedule(db, id);
  if (!schedule)
    throw new UserError('digest_not_found', `There is no digest schedule #${id}.`, {
      hint: 'See the schedules and their ids with /digest list.',
    });
  return schedule;
}

export async function listSchedules(db: Kysely<Database>, options: { activeOnly?: boolean } = {}): Promise<DigestSchedule[]> {
  let query = db.selectFrom('digest_schedules').selectAll().orderBy('id');
  if (options.activeOnly) query = query.where('paused', '=', 0);
  return (await query.execute()).map((row) => ({ ...row, id: Number(row.id) }));
}

export async function setPaused(db: Kysely<Database>, id: number, paused: boolean, now: Date): Promise<void> {
  await db
    .updateTable('digest_schedules')
    .set({ paused: paused ? 1 : 0, updated_at: now.toISOString() })
    .where('id', '=', id)
    .execute();
}

/** A new cron expression and time zone for a schedule. */
export async function setTiming(db: Kysely<Database>, id: number, timing: { cron: string; timeZone: string }, now: Date): Promise<void> {
  await db
    .updateTable('digest_schedules')
    .set({ cron: timing.cron, time_zone: timing.timeZone, updated_at: now.toISOString() })
    .where('id', '=', id)
    .execute();
}

/** The sources synced before each run; none clears them. */
export async function setRefresh(db: Kysely<Database>, id: number, refresh: string[], now: Date): Promise<void> {
  await db
    .updateTable('digest_schedules')
    .set({ refresh: refresh.length ? refresh.join(',') : null, updated_at: now.toISOString() })
    .where('id', '=', id)
    .execute();
}

export async function removeSchedule(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom('digest_subscriptions').where('schedule_id', '=', id).execute();
  await db.deleteFrom('digest_runs').where('schedule_id', '=', id).execute();
  await db.deleteFrom('digest_schedules').where('id', '=', id).execute();
}

export function scheduleSections(schedule: DigestSchedule): Section[] {
  return schedule.sections.split(',').filter(Boolean) as Section[];
}
