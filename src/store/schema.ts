import type { Generated } from 'kysely';

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
}

export interface CustomersTable {
  customer_id: string;
  email: string | null;
  name: string | null;
  signup_date: string | null;
  country: string | null;
  acquisition_channel: string | null;
  consent: number;
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
