import type { Kysely } from 'kysely';
import { UserError } from '../../core/errors.ts';
import { fittedClvModel } from '../../metrics/clv-model.ts';
import { predictedClvs } from '../../metrics/clv-scores.ts';
import type { Database } from '../../store/schema.ts';
import { resolveMembers } from '../audience.ts';
import { storedDefinition, TOP_CLV_ANNUAL_DISCOUNT, TOP_CLV_HORIZON_MONTHS } from '../audience-definition.ts';
import { audienceSource } from '../segment-source.ts';
import { CLV_BANDS, RECOMMENDED_COUNT } from './fields.ts';
import { recommendProducts } from './recommended-products.ts';
import type { FieldValue, FieldValues } from './render.ts';
import { fieldsOf, parseTemplate, type TemplatePart } from './template.ts';

/** Who is being written to, as the outbox gives them. */
export interface MergeRecipient {
  customer_id: string;
  name: string | null;
}

/** What the values depend on: the campaign's target, and the day the CLV model is fitted to (the send day). */
export interface MergeContext {
  db: Kysely<Database>;
  /** The campaign's `segment` column: a segment, `all`, or `audience:…`. */
  segment: string;
  asOf: string;
  zone: string;
}

type Resolve = (recipients: MergeRecipient[]) => Promise<Map<string, FieldValue>>;

const CHUNK = 500;

/** The campaign's message and subject parsed once, and the values of the fields they use, batch by batch. */
export interface Personalizer {
  message: TemplatePart[];
  subject: TemplatePart[] | null;
  /** The fields the message or subject uses (none: nothing is looked up). */
  fields: Set<string>;
  values(recipients: MergeRecipient[]): Promise<Map<string, FieldValues>>;
}

/** One per delivery pass (or preview): what every batch needs is read once and kept. */
export function personalizer(ctx: MergeContext, content: { message: string | null; subject: string | null }): Personalizer {
  const message = parseTemplate(content.message ?? '', 'message');
  const subject = content.subject ? parseTemplate(content.subject, 'subject') : null;
  const fields = fieldsOf(message, subject ?? []);
  const resolvers: Record<string, Resolve> = {
    first_name: async (recipients) => new Map(recipients.map((r) => [r.customer_id, firstName(r.name)])),
    recommended_products: async (recipients) =>
      recommendProducts()(
        ctx.db,
        recipients.map((r) => r.customer_id),
        RECOMMENDED_COUNT,
      ),
    segment: segmentResolver(ctx),
    clv_band: clvBandResolver(ctx),
  };
  return {
    message,
    subject,
    fields,
    async values(recipients) {
      const out = new Map<string, FieldValues>(recipients.map((r) => [r.customer_id, {}]));
      for (const name of fields) {
        const found = await resolvers[name]!(recipients);
        for (const r of recipients) out.get(r.customer_id)![name] = found.get(r.customer_id) ?? null;
      }
      return out;
    },
  };
}

/** The first word of the name on file; none for a name that is an email address. */
function firstName(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first && !first.includes('@') ? first : null;
}

/**
 * A segment campaign's own segment for everyone; for a predicted audience or `all`, each customer's segment
 * in the newest complete /segment run (none when they are in no run).
 */
function segmentResolver(ctx: MergeContext): Resolve {
  let own: Promise<string | null> | undefined;
  let run: Promise<number | null> | undefined;
  return async (recipients) => {
    own ??= ownSegment(ctx);
    const name = await own;
    if (name) return new Map(recipients.map((r) => [r.customer_id, name]));
    run ??= ctx.db
      .selectFrom('segment_runs')
      .select('id')
      .where('status', '=', 'complete')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
      .then((row) => (row ? Number(row.id) : null));
    const runId = await run;
    const found = new Map<string, FieldValue>();
    if (runId === null) return found;
    const ids = recipients.map((r) => r.customer_id);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await ctx.db
        .selectFrom('segment_members as m')
        .innerJoin('segments as s', 's.id', 'm.segment_id')
        .select(['m.customer_id', 's.name'])
        .where('m.run_id', '=', runId)
        .where('m.customer_id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) found.set(row.customer_id, row.name);
    }
    return found;
  };
}

async function ownSegment(ctx: MergeContext): Promise<string | null> {
  if (storedDefinition(ctx.segment) || ctx.segment.trim().toLowerCase() === 'all') return null;
  try {
    return (await resolveMembers(audienceSource(), ctx.db, ctx.segment)).segment_name;
  } catch (error) {
    if (error instanceof UserError) return null; // the segment is gone: each customer's latest one instead
    throw error;
  }
}

/** high, medium or low by each customer's rank in predicted CLV among everyone the model values; none when it cannot be fitted. */
function clvBandResolver(ctx: MergeContext): Resolve {
  let bands: Promise<((customerId: string) => string | null) | null> | undefined;
  return async (recipients) => {
    bands ??= clvBands(ctx);
    const band = await bands;
    return new Map(recipients.map((r) => [r.customer_id, band ? band(r.customer_id) : null]));
  };
}

async function clvBands(ctx: MergeContext): Promise<((customerId: string) => string | null) | null> {
  let model;
  try {
    model = await fittedClvModel(ctx.db, ctx.asOf, ctx.zone);
  } catch (error) {
    if (error instanceof UserError) return null; // too little data: every value falls back
    throw error;
  }
  const clv = predictedClvs(model, TOP_CLV_HORIZON_MONTHS, TOP_CLV_ANNUAL_DISCOUNT);
  const sorted = Float64Array.from(clv).sort().reverse();
  const cut = (share: number) => sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? Infinity;
  const high = cut(CLV_BANDS.high);
  const medium = cut(CLV_BANDS.high + CLV_BANDS.medium);
  return (customerId) => {
    const i = model.rowOf(customerId);
    if (i === undefined) return null;
    return clv[i]! >= high ? 'high' : clv[i]! >= medium ? 'medium' : 'low';
  };
}

/** For sending: the campaign's personalizer, or null when it uses no merge fields or its text does not parse (sent as written). */
export function sendingPersonalizer(ctx: MergeContext, content: { message: string | null; subject: string | null }): Personalizer | null {
  try {
    const personal = personalizer(ctx, content);
    return personal.fields.size ? personal : null;
  } catch (error) {
    if (error instanceof UserError) return null;
    throw error;
  }
}
