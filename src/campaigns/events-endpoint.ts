import { readCappedBody } from '../http/capped-body.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import { applyUnsubscribes } from '../privacy/unsubscribes.ts';
import type { Database } from '../store/schema.ts';
import { suppressedIds } from '../privacy/suppression.ts';

export const EVENTS_PATH = '/webhooks/events';
export const EVENTS_SIGNATURE_HEADER = 'x-growthbot-signature';
export const EVENTS_TIMESTAMP_HEADER = 'x-growthbot-timestamp';
export const EVENT_TYPES = ['delivered', 'opened', 'clicked', 'converted', 'unsubscribed'] as const;
export const MAX_EVENTS_BODY_BYTES = 1_000_000;
export const EVENTS_TOLERANCE_SECONDS = 300;

export interface EventsEndpointDeps {
  db: Kysely<Database>;
  /** EVENTS_WEBHOOK_SECRET; without it every request is refused (503). */
  secret: string | undefined;
  now: () => Date;
  logger?: Logger;
  /** ERASURE_SALT when set (else the generated one in the store): events of erased customers are skipped. */
  erasureSalt?: string;
  maxBodyBytes?: number;
  toleranceSeconds?: number;
}

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: the timestamp is signed so it cannot be swapped on a replay. */
export function signEvents(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

const eventSchema = z.object({
  customer_id: z.union([z.string().min(1), z.number()]).transform(String),
  campaign_id: z.union([z.string(), z.number()]).transform(String).default(''),
  type: z.enum(EVENT_TYPES),
  occurred_at: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO timestamp')
    .optional(),
});
const bodySchema = z.union([
  z.object({ events: z.array(eventSchema).min(1).max(10_000) }),
  eventSchema.transform((e) => ({ events: [e] })),
]);

export interface EndpointResponse {
  status: number;
  body: Record<string, unknown>;
}

const refuse = (status: number, error: string, message: string): EndpointResponse => ({ status, body: { ok: false, error, message } });

/** Verifies and records one request's events. The raw body is what was signed. */
export async function handleEventsRequest(
  deps: EventsEndpointDeps,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
): Promise<EndpointResponse> {
  if (!deps.secret) return refuse(503, 'not_configured', 'EVENTS_WEBHOOK_SECRET is not set, so events cannot be verified.');
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const signature = header(EVENTS_SIGNATURE_HEADER);
  const timestamp = header(EVENTS_TIMESTAMP_HEADER);
  if (!signature || !timestamp)
    return refuse(
      401,
      'unsigned',
      `Sign the request: ${EVENTS_TIMESTAMP_HEADER} (unix seconds) and ${EVENTS_SIGNATURE_HEADER} (v1=hex HMAC-SHA256 of "<timestamp>.<body>").`,
    );
  if (!/^\d{1,12}$/.test(timestamp)) return refuse(401, 'bad_timestamp', `${EVENTS_TIMESTAMP_HEADER} must be unix seconds.`);
  const expected = Buffer.from(signEvents(deps.secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return refuse(401, 'bad_signature', 'The signature does not match the body.');
  const tolerance = deps.toleranceSeconds ?? EVENTS_TOLERANCE_SECONDS;
  const nowMs = deps.now().getTime();
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > tolerance)
    return refuse(401, 'stale_timestamp', `The timestamp is more than ${tolerance} s away from now: sign each request when you send it.`);

  let parsed: z.infer<typeof bodySchema>;
  try {
    const result = bodySchema.safeParse(JSON.parse(rawBody.toString('utf8')));
    if (!result.success)
      return refuse(
        400,
        'bad_body',
        `Expected {"events":[{"customer_id","campaign_id","type":${EVENT_TYPES.join('|')},"occurred_at"}]}: ${result.error.issues[0]?.message ?? 'invalid'}.`,
      );
    parsed = result.data;
  } catch {
    return refuse(400, 'bad_json', 'The body is not JSON.');
  }

  const nowIso = new Date(nowMs).toISOString();
  // replay: a signature is accepted once; receipts older than twice the tolerance can no longer verify anyway
  await deps.db
    .deleteFrom('campaign_event_receipts')
    .where('received_at', '<', new Date(nowMs - 2 * tolerance * 1000).toISOString())
    .execute();
  let suppressed = 0;
  const allRows = parsed.events.map((e) => ({
    customer_id: e.customer_id,
    campaign_id: e.campaign_id,
    type: e.type,
    occurred_at: e.occurred_at ? new Date(e.occurred_at).toISOString() : nowIso,
    updated_at: nowIso,
  }));
  // the receipt and the events commit together: a failed insert leaves no receipt, so the sender's retry is accepted
  const recorded = await deps.db.transaction().execute(async (trx) => {
    // events of erased customers (on the suppression list) are skipped and counted, never stored
    const erased = await suppressedIds(
      trx,
      deps.erasureSalt,
      allRows.map((r) => r.customer_id),
    );
    const kept = erased.size === 0 ? allRows : allRows.filter((r) => !erased.has(r.customer_id));
    suppressed = allRows.length - kept.length;
    const rows = kept;
    const receipt = await trx
      .insertInto('campaign_event_receipts')
      .values({ signature, received_at: nowIso })
      .onConflict((oc) => oc.column('signature').doNothing())
      .executeTakeFirst();
    if (Number(receipt.numInsertedOrUpdatedRows ?? 0) === 0) return null;
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const result = await trx
        .insertInto('events')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['customer_id', 'campaign_id', 'type', 'occurred_at']).doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    const unsubscribers = [...new Set(rows.filter((r) => r.type === 'unsubscribed').map((r) => r.customer_id))];
    for (let i = 0; i < unsubscribers.length; i += 500) await applyUnsubscribes(trx, unsubscribers.slice(i, i + 500), nowIso);
    return inserted;
  });
  if (recorded === null) return refuse(409, 'replayed', 'This request was already received.');
  const received = allRows.length;
  deps.logger?.info({ events: received, recorded, suppressed }, 'campaign events received');
  return {
    status: 200,
    body: { ok: true, received, recorded, duplicates: received - suppressed - recorded, ...(suppressed ? { suppressed } : {}) },
  };
}

/** A plain Node handler for POST /webhooks/events (Slack's receiver custom route, or src/http). */
export function eventsWebhookHandler(deps: EventsEndpointDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const cap = deps.maxBodyBytes ?? MAX_EVENTS_BODY_BYTES;
  const send = (res: ServerResponse, response: EndpointResponse) => {
    if (res.headersSent) return;
    res.writeHead(response.status, { 'content-type': 'application/json' }).end(JSON.stringify(response.body));
  };
  return (req, res) => {
    if ((req.method ?? 'GET').toUpperCase() !== 'POST') return send(res, refuse(405, 'method', 'POST only.'));
    void readCappedBody(req, cap).then((read) => {
      if (!read.ok) {
        if (read.reason === 'error') return send(res, refuse(400, 'bad_request', 'The request body could not be read.'));
        return send(res, refuse(413, 'too_large', `The body is over ${cap} bytes: send fewer events per request.`));
      }
      handleEventsRequest(deps, req.headers, read.body).then(
        (response) => send(res, response),
        (error) => {
          deps.logger?.error({ err: error }, 'events webhook failed');
          send(res, { status: 500, body: { ok: false, error: 'internal_error' } });
        },
      );
    });
  };
}
