import { z } from 'zod';
import { defineAction, defineCommand } from '../src/core/command.ts';
import type { CommandContext, Upload } from '../src/core/context.ts';
import { UserError } from '../src/core/errors.ts';
import { IMPORT_KINDS, type ImportKind } from '../src/import/fields.ts';
import { importReply } from '../src/import/reply.ts';
import { executeImport, withImportLock } from '../src/import/execute.ts';
import type { ImportInput, ImportResult } from '../src/import/run-import.ts';
import { urlLabel, type UrlPolicy } from '../src/import/download.ts';
import { importLimits } from '../src/import/limits.ts';
import type { ImportSource } from '../src/import/source.ts';
import { ENCODING_OPTIONS } from '../src/import/text.ts';
import { presetNames } from '../src/import/presets/index.ts';
import { isSharedFileRef, sharedFileUnavailable } from '../src/import/drop-prompt.ts';

const options = z.object({
  source: z
    .string()
    .describe('a file path (from chat: inside IMPORT_DIR), an https URL, or the name of a file shared in the chat')
    .meta({ kind: 'source' })
    .optional(),
  strict: z.boolean().describe('reject the whole file when any row is invalid').default(false),
  force: z.boolean().describe('read the file again even when it is the same as the last import').default(false),
  date_format: z
    .string()
    .describe('how dates are written, e.g. DD/MM/YYYY or "MM/DD/YYYY HH:mm" (default ISO)')
    .meta({ hint: 'DD/MM/YYYY' })
    .optional(),
  map: z
    .string()
    .describe('columns to fields, e.g. `map="Client Ref:customer_id,Total:amount"`')
    .meta({ hint: 'Column:field,…' })
    .optional(),
  encoding: z
    .enum(ENCODING_OPTIONS)
    .describe('the file’s text encoding when it is not UTF-8 (a byte order mark is detected by itself)')
    .default('utf-8'),
});

/** Kinds with presets take `preset=`, its choices the kind's presets. */
function optionsOf(kind: ImportKind) {
  const names = presetNames(kind);
  if (names.length === 0) return options;
  return options.extend({
    preset: z
      .enum(names as [string, ...string[]])
      .describe('read a known export as it comes (its columns, refunds, statuses); map= still renames single columns')
      .optional(),
  });
}

type ImportOptions = z.infer<typeof options> & { preset?: string; private?: boolean };

const COLUMNS: Record<ImportKind, string> = {
  customers:
    '`customer_id`*, `email`, `name`, `signup_date`, `country`, `acquisition_channel`, `consent`, `consent_updated_at`, `phone` (E.164), `sms_consent`, `time_zone` (IANA), and any numeric column as an attribute',
  orders:
    '`order_id`*, `customer_id`*, `order_date`*, `amount`* (or `quantity`* and `unit_price`*), `currency`, `product_id` and `product_name` to keep line items',
  spend: '`date`*, `channel`*, `campaign`, `amount`*',
  events: '`customer_id`*, `campaign_id`, `type`* (delivered, opened, clicked, converted, unsubscribed), `occurred_at`*',
  rates: '`date`*, `currency`*, `rate`* (units of REPORTING_CURRENCY per 1 unit of currency)',
  products: '`product_id`*, `name`, `category`, `price`, `currency`, `url`, `image_url`, `active` (no: never recommended)',
};

/** Files and URLs named from chat are confined (IMPORT_DIR, public hosts); the console's user owns the machine. */
function fromChat(ctx: CommandContext): boolean {
  return ctx.caller.platform !== 'console';
}

function urlPolicy(ctx: CommandContext, platformFile = false): UrlPolicy {
  return { allowHttp: ctx.config.IMPORT_ALLOW_HTTP, allow: ctx.config.IMPORT_URL_ALLOW, fromChat: fromChat(ctx), platformFile };
}

function resolveSource(ctx: CommandContext, source: string | undefined): ImportSource {
  const upload: Upload | undefined =
    source === undefined ? ctx.uploads[0] : ctx.uploads.find((u) => u.name === source || (u.ref !== undefined && u.ref === source));
  if (upload) {
    return upload.url
      ? { type: 'url', url: upload.url, headers: upload.headers, policy: urlPolicy(ctx, true), label: upload.name }
      : { type: 'upload', upload, label: upload.name };
  }
  if (source !== undefined && isSharedFileRef(source)) throw sharedFileUnavailable(source);
  if (source === undefined || source.trim() === '') {
    throw new UserError('missing_source', 'Say what to import: a file path, an http(s) URL, or share a CSV file with the command.', {
      hint: 'Example: /import orders examples/orders.csv',
    });
  }
  if (/^https?:\/\//i.test(source)) return { type: 'url', url: source, policy: urlPolicy(ctx), label: urlLabel(source) };
  if (!fromChat(ctx)) return { type: 'path', path: source, label: `\`${source}\`` };
  if (!ctx.config.IMPORT_DIR) {
    throw new UserError('local_files_off', 'Files on the bot’s machine cannot be imported from chat.', {
      hint: 'Share the CSV file in the chat with the command, give an https URL, or ask an admin to set IMPORT_DIR to a folder for imports.',
    });
  }
  return { type: 'path', path: source, root: ctx.config.IMPORT_DIR, label: `\`${source}\`` };
}

/** One import of a kind at a time across every instance; a second one is refused while it runs. */
function execute(ctx: CommandContext, kind: ImportKind, opts: ImportOptions): Promise<ImportResult> {
  const source = resolveSource(ctx, opts.source);
  const input: ImportInput = {
    kind,
    source,
    strict: opts.strict,
    force: opts.force,
    dateFormat: opts.date_format,
    map: opts.map,
    preset: opts.preset,
    encoding: opts.encoding,
    defaultCurrency: ctx.config.DEFAULT_CURRENCY,
    timeZone: ctx.config.BUSINESS_TZ,
    reportingCurrency: ctx.config.REPORTING_CURRENCY,
    defaultConsent: ctx.config.DEFAULT_CONSENT,
    clearLeftovers: true,
    outDir: ctx.outDir,
    rawRejections: kind === 'customers' || opts.private === true,
    now: ctx.now().toISOString(),
    limits: importLimits(ctx.config),
    erasureSalt: ctx.config.ERASURE_SALT,
  };
  return withImportLock(ctx, kind, () => executeImport(ctx, input));
}

const action = (kind: ImportKind) =>
  defineAction({
    name: kind,
    description: `Imports ${kind} from a CSV file (columns: ${COLUMNS[kind]}; * required).`,
    options: optionsOf(kind),
    positional: ['source'],
    role: 'analyst',
    visibility: kind === 'customers' ? 'private' : 'public',
    long: true,
    writes: true,
    examples: [
      kind === 'rates' ? '/import rates examples/rates.csv' : `/import ${kind} examples/${kind}.csv`,
      ...(kind === 'orders'
        ? [
            '/import orders https://example.com/orders.csv.gz date_format=DD/MM/YYYY',
            '/import orders examples/sales.csv map="Invoice Ref:order_id,Total:amount" strict=true',
            '/import orders examples/exports/shopify-orders.csv preset=shopify-orders',
          ]
        : []),
      ...(kind === 'spend' ? ['/import spend examples/exports/google-ads.csv preset=google-ads'] : []),
    ],
    handler: async (ctx, opts) => importReply(await execute(ctx, kind, opts)),
  });

export default defineCommand({
  name: 'import',
  description: 'Loads customers, orders, ad spend, campaign events, exchange rates or products from a CSV file, URL or shared file.',
  subcommands: IMPORT_KINDS.map(action),
});
