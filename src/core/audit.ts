import type { Insertable, Kysely } from 'kysely';
import { scrub } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import type { Caller } from './context.ts';
import type { WriteGroup } from './write-queue.ts';

const SECRET_KEY = /(secret|token|password|key|signature)/i;

/** Options as stored in the audit trail: secrets replaced, emails removed. */
export function redactOptions(options: Record<string, unknown>): string {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    clean[key] = SECRET_KEY.test(key) ? '[redacted]' : typeof value === 'string' ? scrub(value) : value;
  }
  return JSON.stringify(clean);
}

export type AuditOutcome = 'ok' | 'user_error' | 'denied' | 'error';

export interface AuditEntry {
  caller: Caller;
  command: string;
  options: Record<string, unknown>;
  outcome: AuditOutcome;
  detail?: string;
  durationMs: number;
  at: Date;
}

function auditRow(entry: AuditEntry): Insertable<Database['audit_log']> {
  return {
    at: entry.at.toISOString(),
    platform: entry.caller.platform,
    user_id: entry.caller.userId,
    user_name: entry.caller.userName ? scrub(entry.caller.userName).slice(0, 80) : null,
    channel_id: entry.caller.channelId ?? null,
    command: entry.command,
    options: redactOptions(entry.options),
    outcome: entry.outcome,
    detail: entry.detail ? scrub(entry.detail).slice(0, 500) : null,
    duration_ms: Math.round(entry.durationMs),
  };
}

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await recordAudits(db, [entry]);
}

/** Many entries, one insert. */
export async function recordAudits(db: Kysely<Database>, entries: AuditEntry[]): Promise<void[]> {
  if (entries.length) await db.insertInto('audit_log').values(entries.map(auditRow)).execute();
  return entries.map(() => undefined);
}

/** Audit entries queued on the write queue: each batch stores its entries with one insert. */
export const auditWrites: WriteGroup<AuditEntry> = { label: 'audit', writeAll: recordAudits };
