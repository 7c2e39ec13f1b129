import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import { dayOf } from '../src/core/business-day.ts';
import { UserError } from '../src/core/errors.ts';
import { countOf, formatCount } from '../src/core/format.ts';
import { reply } from '../src/core/reply.ts';
import { forgetCustomer } from '../src/privacy/forget.ts';
import { canSeePersonalData, maskCustomer, UNMASKED_ROLE } from '../src/privacy/mask.ts';
import { formatMoney } from '../src/store/money.ts';

const id = z.string().min(1).max(200).describe('the customer id, as imported');

export default defineCommand({
  name: 'customer',
  description: 'One customer’s record, and erasing a customer’s personal data.',
  subcommands: [
    defineAction({
      name: 'show',
      description: 'Shows a customer: signup, channel, consent, orders and attributes (email and name masked below admin).',
      options: z.object({ id }),
      positional: ['id'],
      role: 'analyst',
      visibility: 'private',
      examples: ['/customer show C1001'],
      handler: async (ctx, { id }) => {
        const customer = await ctx.db.selectFrom('customers').selectAll().where('customer_id', '=', id).executeTakeFirst();
        if (!customer)
          throw new UserError('unknown_customer', `There is no customer \`${id}\`.`, {
            hint: 'Customer ids are as imported (/import customers); a forgotten customer no longer exists.',
          });
        const totals = await ctx.db
          .selectFrom('orders')
          .select((eb) => [
            'currency',
            eb.fn.countAll<number>().as('orders'),
            eb.fn.sum<number>('net_cents').as('net_cents'),
            eb.fn.min('order_date').as('first'),
            eb.fn.max('order_date').as('last'),
          ])
          .where('customer_id', '=', id)
          .where('is_purchase', '=', 1)
          .groupBy('currency')
          .orderBy('currency')
          .execute();
        const attributes = await ctx.db
          .selectFrom('customer_attributes')
          .select(['name', 'value'])
          .where('customer_id', '=', id)
          .orderBy('name')
          .execute();
        const shown = maskCustomer(ctx.role, { email: customer.email, name: customer.name });
        const orders = totals.map((t) => ({
          currency: t.currency,
          orders: Number(t.orders),
          net_cents: Number(t.net_cents ?? 0),
          first_order: t.first as string,
          last_order: t.last as string,
        }));
        const masked = !canSeePersonalData(ctx.role);
        return reply(
          {
            customer_id: customer.customer_id,
            email: shown.email,
            name: shown.name,
            masked,
            signup_date: customer.signup_date,
            country: customer.country,
            acquisition_channel: customer.acquisition_channel,
            consent: customer.consent === 1,
            orders,
            attributes: Object.fromEntries(attributes.map((a) => [a.name, Number(a.value)])),
          },
          {
            title: `Customer ${customer.customer_id}`,
            fields: [
              { label: 'Email', value: shown.email ?? '—' },
              { label: 'Name', value: shown.name ?? '—' },
              { label: 'Signed up', value: customer.signup_date ? dayOf(customer.signup_date, ctx.config.BUSINESS_TZ) : '—' },
              { label: 'Country', value: customer.country ?? '—' },
              { label: 'Channel', value: customer.acquisition_channel ?? '—' },
              { label: 'Marketing consent', value: customer.consent === 1 ? 'yes' : 'no' },
              ...orders.map((o) => ({
                label: `Orders (${o.currency})`,
                value: `${formatCount(o.orders)} · ${formatMoney(o.net_cents, o.currency)} net · ${o.first_order} to ${o.last_order}`,
              })),
            ],
            tables: attributes.length
              ? [
                  {
                    title: 'Attributes',
                    columns: ['Attribute', 'Value'],
                    rows: attributes.map((a) => [a.name, Number(a.value)]),
                    numeric: [false, true],
                  },
                ]
              : undefined,
            notes: masked ? [`Email and name are masked: only the ${UNMASKED_ROLE} role sees them.`] : undefined,
          },
        );
      },
    }),
    defineAction({
      name: 'forget',
      description:
        'Erases a customer completely and for good: personal data, audit mentions and output files; orders and events stay, anonymized, so totals do not change.',
      options: z.object({ id }),
      positional: ['id'],
      role: 'admin',
      visibility: 'private',
      examples: ['/customer forget C1001'],
      // entries of earlier commands still queued are written first, so the rewrite reaches them
      afterQueuedAudit: true,
      // the audit trail never keeps the id being erased: a refusal or failure stores this, a done erasure its anonymous id and reference
      auditOptions: () => ({ id: '[erased]' }),
      handler: async (ctx, { id }) => {
        const result = await forgetCustomer(ctx.db, {
          customerId: id,
          now: ctx.now(),
          platform: ctx.caller.platform,
          userId: ctx.caller.userId,
          outDir: ctx.outDir,
          configuredSalt: ctx.config.ERASURE_SALT,
        });
        ctx.logger.info({ reference: result.reference, records: result.records, files: result.files.length }, 'customer erased');
        const c = result.counts;
        const files = result.files.map((f) => [
          f.name,
          f.action === 'rewritten' ? `rewritten, ${countOf(f.rows_removed ?? 0, 'row')} removed` : 'deleted',
        ]);
        const answer = reply(
          {
            reference: result.reference,
            records: result.records,
            counts: c,
            files: result.files,
            files_unchecked: result.files_unchecked,
            storage: result.storage,
          },
          {
            text: `✅ Erasure ${result.reference} is done: ${countOf(result.records, 'record')} touched. The customer’s email, name, country, attributes and consent are gone, and imports will skip them.`,
            fields: [
              { label: 'Orders kept, anonymized', value: formatCount(c.orders) },
              { label: 'Events kept, anonymized', value: formatCount(c.events) },
              { label: 'Segment memberships', value: formatCount(c.segment_memberships) },
              { label: 'Campaign rows', value: `${formatCount(c.campaign_recipients)} audience, ${formatCount(c.outbox_rows)} outbox` },
              { label: 'Pending deliveries cancelled', value: formatCount(c.deliveries_cancelled) },
              { label: 'Attributes and staged rows deleted', value: formatCount(c.attributes_deleted + c.staging_rows_deleted) },
              { label: 'Audit entries anonymized', value: formatCount(c.audit_entries) },
              { label: 'Files rewritten or deleted', value: formatCount(result.files.length) },
            ],
            tables: files.length ? [{ title: 'Files in OUT_DIR', columns: ['File', 'Done'], rows: files }] : undefined,
            notes: [
              'Orders and events now belong to an anonymous id that cannot be linked back, so revenue, CLV and CAC totals stay right.',
              `A later import of a file that still holds this customer skips their rows and counts them as suppressed. Remove them from the source too. ${result.storage}.`,
              ...(result.files_unchecked.length
                ? [`Not checked, look at them yourself: ${result.files_unchecked.map((f) => `${f.name} (${f.reason})`).join(', ')}.`]
                : []),
            ],
          },
        );
        return { ...answer, audit: { anonymous_id: result.anonymousId, reference: result.reference } };
      },
    }),
  ],
});
