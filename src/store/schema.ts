import type { ColumnType, Generated } from 'kysely';

/**
 * Table types. Money is integer cents (bigint in PostgreSQL, read back as a JS number:
 * exact up to 90 trillion); dates are ISO text (`YYYY-MM-DD`, timestamps `YYYY-MM-DDTHH:MM:SS.sssZ`);
 * booleans are 0/1 integers so the same SQL runs on SQLite and PostgreSQL.
 */
export interface Database {
  customers: CustomersTable;
  customer_attributes: CustomerAttributesTable;
  orders: OrdersTable;
  spend: SpendTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  role_grants: RoleGrantsTable;
  import_staging_customers: ImportStagingCustomersTable;
  import_staging_attributes: ImportStagingAttributesTable;
  import_staging_order_lines: ImportStagingOrderLinesTable;
  import_staging_spend: ImportStagingSpendTable;
  import_staging_events: ImportStagingEventsTable;
  import_staging_rates: ImportStagingRatesTable;
  exchange_rates: ExchangeRatesTable;
  segment_runs: SegmentRunsTable;
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  digest_schedules: DigestSchedulesTable;
  digest_runs: DigestRunsTable;
  digest_subscriptions: DigestSubscriptionsTable;
  digest_subscription_sends: DigestSubscriptionSendsTable;
  source_state: SourceStateTable;
  source_runs: SourceRunsTable;
  campaigns: CampaignsTable;
  campaign_transitions: CampaignTransitionsTable;
  campaign_audience: CampaignAudienceTable;
  campaign_predicted_members: CampaignPredictedMembersTable;
  campaign_outbox: CampaignOutboxTable;
  campaign_event_receipts: CampaignEventReceiptsTable;
  sms_inbound_messages: SmsInboundMessagesTable;
  campaign_approval_requests: CampaignApprovalRequestsTable;
  campaign_changes: CampaignChangesTable;
  leases: LeasesTable;
  request_receipts: RequestReceiptsTable;
  job_runs: JobRunsTable;
  settings: SettingsTable;
  erasures: ErasuresTable;
  erasure_suppressions: ErasureSuppressionsTable;
  import_fingerprints: ImportFingerprintsTable;
  products: ProductsTable;
  order_lines: OrderLinesTable;
  import_staging_line_items: ImportStagingLineItemsTable;
  import_staging_products: ImportStagingProductsTable;
  recommendation_runs: RecommendationRunsTable;
  recommendation_neighbours: RecommendationNeighboursTable;
  recommendation_popular: RecommendationPopularTable;
}

export interface CustomersTable {
  customer_id: string;
  email: string | null;
  name: string | null;
  signup_date: string | null;
  country: string | null;
  acquisition_channel: string | null;
  consent: number;
  /** The latest dated consent change on record (a file's consent_updated_at, an unsubscribe's occurred_at); null when none. */
  consent_updated_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** E.164 (`+14155552671`), validated at import. */
  phone: ColumnType<string | null, string | null | undefined, string | null>;
  /** IANA zone for SMS quiet hours; null: BUSINESS_TZ. */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
  /** Consent to marketing SMS, apart from `consent`: 1 only when a file said so (never by default). */
  sms_consent: Generated<number>;
  /** When the customer last replied STOP (null after START): a file's "yes" does not undo it. */
  sms_opted_out_at: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: string;
  updated_at: string;
}

export interface CustomerAttributesTable {
  customer_id: string;
  name: string;
  value: number;
}

export interface OrdersTable {
  order_id: string;
  customer_id: string;
  order_date: string;
  /** Sum of the positive lines. */
  gross_cents: number;
  /** Gross minus returns and adjustments (lines <= 0). */
  net_cents: number;
  currency: string;
  lines: number;
  /** 1 for a purchase; 0 for a document that only returns or adjusts (never counted as an order). */
  is_purchase: number;
  updated_at: string;
}

export interface SpendTable {
  date: string;
  channel: string;
  campaign: string;
  amount_cents: number;
  currency: string;
  /** 'month': the whole month's spend, dated its first day (prorated by day when a period cuts the month); else 'day'. */
  booked: ColumnType<string, string | undefined, string>;
  updated_at: string;
}

export interface EventsTable {
  customer_id: string;
  campaign_id: string;
  type: string;
  occurred_at: string;
  updated_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  platform: string;
  user_id: string;
  /** The name the platform gave with the command, when it gave one. */
  user_name: string | null;
  channel_id: string | null;
  command: string;
  options: string;
  outcome: string;
  detail: string | null;
  duration_ms: number;
}

export interface RoleGrantsTable {
  platform: string;
  user_id: string;
  role: string;
  granted_by: string;
  granted_at: string;
}

/** /import staging (rows of one import, by import_id, before the set-based merge). */
export interface ImportStagingCustomersTable {
  import_id: string;
  customer_id: string;
  email: string | null;
  name: string | null;
  signup_date: string | null;
  country: string | null;
  acquisition_channel: string | null;
  consent: number | null;
  consent_updated_at: string | null;
  phone: string | null;
  time_zone: string | null;
  sms_consent: number | null;
}

export interface ImportStagingAttributesTable {
  import_id: string;
  customer_id: string;
  name: string;
  value: number;
}

export interface ImportStagingOrderLinesTable {
  import_id: string;
  order_id: string;
  /** The line of the file: lines of an order are kept apart and in order. */
  line: number;
  customer_id: string;
  order_date: string;
  gross_cents: number;
  net_cents: number;
  currency: string;
  country: string | null;
  /** 1 for a purchase line: quantity > 0, value >= 0, not a return (order id starting with C). */
  purchase: number;
}

export interface ImportStagingSpendTable {
  import_id: string;
  date: string;
  channel: string;
  campaign: string;
  amount_cents: number;
  currency: string;
  booked: string;
}

export interface ImportStagingEventsTable {
  import_id: string;
  customer_id: string;
  campaign_id: string;
  type: string;
  occurred_at: string;
}

export interface ImportStagingRatesTable {
  import_id: string;
  date: string;
  currency: string;
  rate: number;
  reporting_currency: string;
}

/** /import rates: `rate` units of `reporting_currency` for one unit of `currency` on `date` (one per currency and day). */
export interface ExchangeRatesTable {
  date: string;
  currency: string;
  rate: number;
  reporting_currency: string;
  updated_at: string;
}

/** /segment: one row per segmentation run. JSON text: features (names), parameters, details (transforms, k choice). */
export interface SegmentRunsTable {
  id: Generated<number>;
  name: string | null;
  method: string;
  k: number;
  as_of: string;
  features: string;
  parameters: string;
  details: string;
  customers: number;
  inertia: number | null;
  created_at: string;
  created_by: string;
  platform: string;
  /** 'storing' while its memberships are written (readers skip it), then 'complete'. */
  status: Generated<string>;
}

/** A run's segments; kind 'cluster', 'rfm' or 'no_purchase'; profile is JSON (per-feature means). */
export interface SegmentsTable {
  id: Generated<number>;
  run_id: number;
  position: number;
  name: string;
  kind: string;
  size: number;
  share: number;
  revenue_share: number | null;
  action: string;
  profile: string;
}

/** One row per customer and run; feature_values: the run's features as of the run, comma-separated. */
export interface SegmentMembersTable {
  run_id: number;
  customer_id: string;
  segment_id: number;
  feature_values: string;
}

/** /digest schedule: one row per schedule; sections is comma-separated; cron fields read in time_zone (IANA). */
export interface DigestSchedulesTable {
  id: Generated<number>;
  platform: string;
  channel_id: string;
  cron: string;
  time_zone: string;
  sections: string;
  period: string;
  only_on_change: number;
  paused: number;
  created_by: string;
  created_by_platform: string;
  created_by_channel: string | null;
  created_at: string;
  updated_at: string;
  /** Comma-separated source names synced before each run (null: none). */
  refresh: string | null;
}

/**
 * One row per (schedule, fire time), inserted before posting: the unique key makes each fire time post once.
 * status: claimed, posted, failed, unchanged (only_on_change), missed (outside the grace window).
 * A claim holds a lease (claimed_by until lease_until, ms since the epoch); an expired one is taken over.
 */
export interface DigestRunsTable {
  id: Generated<number>;
  schedule_id: number;
  fire_time: string;
  status: string;
  attempts: number;
  content_hash: string | null;
  detail: string | null;
  claimed_at: string;
  finished_at: string | null;
  claimed_by: string | null;
  /** Milliseconds since the epoch (PostgreSQL bigint: read back as a string, so Number() it). */
  lease_until: number | string | null;
  posted_at: string | null;
  /** 1 when posted after its fire time because the bot was down then. */
  delayed: Generated<number>;
}

/** /digest subscribe: a person who gets each run of a schedule by direct message on their platform. */
export interface DigestSubscriptionsTable {
  id: Generated<number>;
  schedule_id: number;
  platform: string;
  user_id: string;
  created_at: string;
}

/**
 * One row per (run, subscription), inserted before the direct message is sent: each run reaches each
 * subscriber at most once. status: claimed, sent, failed (not tried again; detail says why).
 */
export interface DigestSubscriptionSendsTable {
  id: Generated<number>;
  run_id: number;
  subscription_id: number;
  status: string;
  attempts: number;
  detail: string | null;
  claimed_at: string;
  finished_at: string | null;
}

/** /campaign: one row per campaign; state follows src/campaigns/states.ts; money in cents; holdout_pct is 0..50. */
export interface CampaignsTable {
  id: Generated<number>;
  name: string;
  segment: string;
  channel: string;
  message: string | null;
  subject: string | null;
  budget_cents: number | null;
  cost_per_send_cents: number;
  currency: string;
  holdout_pct: number;
  window_days: number;
  start_at: string | null;
  seed: number;
  state: string;
  created_by: string;
  created_platform: string;
  created_channel: string | null;
  created_at: string;
  updated_at: string;
  submitted_by: string | null;
  submitted_at: string | null;
  approval_expires_at: string | null;
  request_platform: string | null;
  request_channel: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  launched_by: string | null;
  launched_at: string | null;
  audience_size: number | null;
  holdout_size: number | null;
  live_at: string | null;
  completed_at: string | null;
  /** Where the delivery progress message and the final summary go. */
  delivery_platform: Generated<string | null>;
  delivery_channel: Generated<string | null>;
  /** The posted progress message (PostedMessage JSON), updated in place while sending. */
  delivery_message: Generated<string | null>;
  /** A predicted audience (segment `audience:…`): the CLV model's as-of day, how many it picked, the numbers behind it (JSON). */
  audience_as_of: Generated<string | null>;
  audience_members: Generated<number | null>;
  audience_basis: Generated<string | null>;
}

export interface CampaignTransitionsTable {
  id: Generated<number>;
  campaign_id: number;
  from_state: string;
  to_state: string;
  actor: string;
  platform: string;
  at: string;
  reason: string | null;
}

/** A predicted audience's members as frozen for its campaign (before consent, holdout and launch). */
export interface CampaignPredictedMembersTable {
  campaign_id: number;
  customer_id: string;
}

/** The audience frozen at launch: group_name 'recipient' or 'holdout'. */
export interface CampaignAudienceTable {
  campaign_id: number;
  customer_id: string;
  group_name: string;
}

/** One row per recipient, written before delivery; status pending, sent or failed; attempts counts tries begun. */
export interface CampaignOutboxTable {
  campaign_id: number;
  customer_id: string;
  idempotency_key: string;
  /** Random per row (hex): idempotency keys derive from it, never from the customer id. */
  recipient_key: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  updated_at: string;
  sent_at: string | null;
  /** A pending row that failed for a temporary reason waits until then (null: due now). */
  next_attempt_at: Generated<string | null>;
  /** Temporary failures are retried until then (set at the first attempt: now + DELIVERY_RETRY_HOURS). */
  retry_until: Generated<string | null>;
  /** For failed rows: 'temporary' (gave up retrying) or 'permanent' (refused for good). */
  failure_kind: Generated<string | null>;
  /** The SMS provider's id of the message (Twilio: SM…). */
  provider_message_id: Generated<string | null>;
  /** The provider's last final word on it: delivered, undelivered or failed. */
  receipt_status: Generated<string | null>;
  /** The provider's error code with an undelivered or failed receipt (Twilio: 30003…). */
  receipt_error: Generated<string | null>;
  receipt_at: Generated<string | null>;
  /** An SMS held for the customer's quiet hours waits until then (next_attempt_at is the same). */
  quiet_until: Generated<string | null>;
}

/** Replies (inbound SMS) already acted on, by the provider's message id: a replayed one is not applied again. */
export interface SmsInboundMessagesTable {
  message_sid: string;
  received_at: string;
}

/** Signatures of accepted POST /webhooks/events requests (a replayed request is refused). */
export interface CampaignEventReceiptsTable {
  signature: string;
  received_at: string;
}

/**
 * One approval request: the hash of the exact content it asks about (content holds what was hashed, JSON),
 * changes_through the last campaign_changes id it includes; status pending, approved, rejected, withdrawn or
 * expired; card_* where its card was posted (card_messages: JSON array of the platform's message ids).
 */
export interface CampaignApprovalRequestsTable {
  id: Generated<number>;
  campaign_id: number;
  content_hash: string;
  content: string;
  changes_through: number;
  status: string;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  card_platform: string | null;
  card_channel: string | null;
  card_messages: string | null;
}

/** Who changed a campaign's content, when, and how: changes is JSON { field: { from, to } }. */
export interface CampaignChangesTable {
  id: Generated<number>;
  campaign_id: number;
  user_id: string;
  platform: string;
  at: string;
  changes: string;
}

/** A named lease held by one instance until expires_at (ms since the epoch); see src/store/locks.ts. */
export interface LeasesTable {
  key: string;
  owner: string;
  expires_at: number;
  acquired_at: string;
}

/** Long jobs (imports, segmentation runs): 'running' while their lease is held, then done, failed or interrupted (by a restart). */
export interface JobRunsTable {
  id: Generated<number>;
  lease_key: string;
  lease_owner: string;
  command: string;
  platform: string;
  user_id: string;
  channel_id: string | null;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  started_at: string;
  ended_at: string | null;
}

/** Signatures of verified Slack requests until they expire (ms since the epoch): a replay to any instance is refused. */
export interface RequestReceiptsTable {
  signature: string;
  expires_at: number;
}

/** Key/value settings the bot keeps itself (e.g. `erasure_salt`, generated on first start). */
export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** One row per /customer forget: its reference (`ER-…`), when, who, and the counts (JSON); never the customer. */
export interface ErasuresTable {
  reference: string;
  at: string;
  platform: string;
  user_id: string;
  counts: string;
}

/** Salted hashes (hex) of erased customers' ids (kind 'customer_id') and normalised emails (kind 'email'): imports skip them. */
export interface ErasureSuppressionsTable {
  hash: string;
  kind: string;
  reference: string;
  created_at: string;
}

/** One row per named source (SOURCES_FILE): its incremental cursor, freshness and failing spell. */
export interface SourceStateTable {
  name: string;
  cursor: string | null;
  data_through: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_rows: number | null;
  last_error: string | null;
  failing_since: string | null;
  failure_posted_at: string | null;
  updated_at: string;
}

/** One row per (source, fire time): a scheduled sync runs once across instances. */
export interface SourceRunsTable {
  id: Generated<number>;
  source: string;
  fire_time: string;
  trigger: string;
  status: string;
  claimed_by: string | null;
  started_at: string;
  finished_at: string | null;
  rows: number | null;
  detail: string | null;
}

/** Per import kind: the content hash of the last import written (see src/import/fingerprint.ts). */
export interface ImportFingerprintsTable {
  kind: string;
  fingerprint: string;
  imported_at: string;
  rows: number;
}

/** A product: named by a products file (listed = 1) or, until one does, by the lines of orders. */
export interface ProductsTable {
  product_id: string;
  name: string | null;
  category: string | null;
  price_cents: number | null;
  currency: string | null;
  url: string | null;
  image_url: string | null;
  /** 0: never recommended (a products file said so). */
  active: number;
  listed: number;
  created_at: string;
  updated_at: string;
}

/** One row per order and product: the file's rows of that product in that order, summed. */
export interface OrderLinesTable {
  order_id: string;
  product_id: string;
  quantity: number;
  net_cents: number;
}

/** /import orders with a product column: every kept row (product_id '' when its cell is empty), by file line. */
export interface ImportStagingLineItemsTable {
  import_id: string;
  order_id: string;
  product_id: string;
  line: number;
  customer_id: string;
  quantity: number;
  net_cents: number;
}

/** /import products: a column the file lacks leaves the stored value alone (see the merge's presentColumns). */
export interface ImportStagingProductsTable {
  import_id: string;
  product_id: string;
  name: string | null;
  category: string | null;
  price_cents: number | null;
  currency: string | null;
  url: string | null;
  image_url: string | null;
  active: number | null;
}

/**
 * /recommend: kind 'model' (learnt from purchases through as_of, served by /recommend) or
 * 'evaluation' (learnt up to a holdout, scored on it); parameters and details are JSON.
 */
export interface RecommendationRunsTable {
  id: Generated<number>;
  kind: string;
  method: string;
  as_of: string;
  parameters: string;
  details: string;
  customers: number;
  products: number;
  /** 'storing' while its rows are written (readers skip it), then 'complete'. */
  status: Generated<string>;
  created_at: string;
  created_by: string;
  platform: string;
}

/** A model's nearest products of each product, rank 1 the nearest; co_buyers bought both. */
export interface RecommendationNeighboursTable {
  run_id: number;
  product_id: string;
  rank: number;
  neighbour_id: string;
  score: number;
  co_buyers: number;
}

/** A model's most bought products (by customers), rank 1 the most. */
export interface RecommendationPopularTable {
  run_id: number;
  rank: number;
  product_id: string;
  buyers: number;
}
