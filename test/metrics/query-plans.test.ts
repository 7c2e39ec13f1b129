import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, sql, type Kysely, type QueryId } from 'kysely';
import { computeClvValues, fitClvModelReport } from '../../src/metrics/clv-model.ts';
import { loadCustomerSummaries } from '../../src/metrics/customer-summaries.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedCustomers, seedOrders, type OrderSeed } from './commands/seed.ts';

/**
 * The query plans of the CLV hot paths (`/clv model`, `/clv value`): every query they send is captured
 * and explained on the same store. A keyset page must be an index search from its row value (a page that
 * scans from the start of the table costs the whole table per page), nothing may walk the order_date index
 * over most of the table looking rows up one by one, and a query of a kind not listed here fails the test
 * until its plan is checked.
 */

const CUSTOMERS = 3000;
/** At 1M customers a page (20,000 rows) is a small share of the table; explained here with this limit, it stays one. */
const EXPLAIN_LIMIT = 100;

function seedRows(): { customers: string[]; orders: OrderSeed[] } {
  const customers: string[] = [];
  const orders: OrderSeed[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const id = `C${String(i).padStart(5, '0')}`;
    customers.push(id);
    const count = 1 + (i % 5);
    for (let j = 0; j < count; j++) {
      const day = new Date(Date.UTC(2024, 0, 1) + (((i * 37 + j * 53) % 900) + j * 20) * 86_400_000).toISOString().slice(0, 10);
      orders.push({
        order_id: `${id}-${j}`,
        customer_id: id,
        order_date: i % 7 === 0 ? `${day}T23:30:00.000Z` : day,
        net_cents: 1000 + ((i * 13 + j * 7) % 9000),
        currency: i % 10 === 3 ? 'EUR' : 'USD',
      });
    }
    if (i % 11 === 0) orders.push({ order_id: `${id}-r`, customer_id: id, order_date: '2025-06-01', net_cents: -500, is_purchase: 0 });
  }
  return { customers, orders };
}

/** The same store, recording every query it sends (compiled as sent; subqueries are part of theirs). */
function recording(db: Kysely<Database>, into: CompiledQuery[]): Kysely<Database> {
  const executor = db.getExecutor();
  const compiled = new Map<QueryId, CompiledQuery>();
  return db.withPlugin({
    transformQuery(args) {
      compiled.set(args.queryId, executor.compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: async (args) => {
      into.push(compiled.get(args.queryId)!);
      return args.result;
    },
  });
}

type Kind = 'purchase span' | 'order count' | 'summary page' | 'summary keyset page' | 'revenue of customers';

function kindOf(text: string): Kind | null {
  if (/^select "order_date" from "orders" where "is_purchase" = \S+ order by "order_date" (asc|desc) limit \S+$/.test(text))
    return 'purchase span';
  if (/^select count\(\*\) as "n"(, max\("updated_at"\) as "last")? from "orders"$/.test(text)) return 'order count';
  if (/group by "customer_id", "currency", "order_date" order by/.test(text)) {
    // any condition on customer_id makes a page after a key (row value or not: the plan check tells)
    return /\("customer_id", "currency", "order_date"\) > \(|"customer_id" [<>=]/.test(text) ? 'summary keyset page' : 'summary page';
  }
  if (/^select "customer_id", "currency", sum\("net_cents"\) as "cents" from "orders" where "customer_id" in \(/.test(text))
    return 'revenue of customers';
  return null;
}

/** The query with its LIMIT parameter (always the last one kysely binds) set to EXPLAIN_LIMIT. */
function withSmallLimit(query: CompiledQuery): unknown[] {
  const parameters = [...query.parameters];
  if (/ limit (\?|\$\d+)$/.test(query.sql)) parameters[parameters.length - 1] = EXPLAIN_LIMIT;
  return parameters;
}

async function sqlitePlan(db: Kysely<Database>, query: CompiledQuery): Promise<string[]> {
  const result = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, withSmallLimit(query)));
  return result.rows.map((row) => row.detail);
}

interface PgNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Relation Name'?: string;
  Plans?: PgNode[];
}

async function postgresPlan(db: Kysely<Database>, query: CompiledQuery): Promise<PgNode[]> {
  const result = await db.executeQuery<{ 'QUERY PLAN': { Plan: PgNode }[] }>(
    CompiledQuery.raw(`explain (format json) ${query.sql}`, withSmallLimit(query)),
  );
  const nodes: PgNode[] = [];
  const walk = (node: PgNode) => {
    nodes.push(node);
    node.Plans?.forEach(walk);
  };
  walk(result.rows[0]!['QUERY PLAN'][0]!.Plan);
  return nodes;
}

const COVER = 'orders_customer_currency_date_idx';

/** What is wrong with a SQLite plan of this kind (empty: nothing). */
function sqliteProblems(kind: Kind, plan: string[]): string[] {
  const problems: string[] = [];
  const has = (pattern: RegExp) => plan.some((line) => pattern.test(line));
  // an index range open at one end, rows looked up one at a time: most of the table in random order
  if (has(/SEARCH orders USING INDEX \w+ \(\w+[<>]=?\?\)/)) problems.push('walks an index range over most of the table with row lookups');
  const sorts = has(/TEMP B-TREE/);
  switch (kind) {
    case 'purchase span':
      if (!has(/USING (COVERING )?INDEX orders_date_idx/) || sorts) problems.push('is not a walk from one end of the order_date index');
      break;
    case 'order count':
      break; // one pass over the table or an index is the plan for a whole-table count
    case 'summary keyset page':
      if (!has(new RegExp(`SEARCH orders USING COVERING INDEX ${COVER} \\(\\(customer_id,currency,order_date\\)>\\(\\?,\\?,\\?\\)\\)`)))
        problems.push('is not an index search from the row value');
      if (sorts) problems.push('sorts the rest of the table');
      break;
    case 'summary page':
      if (!has(new RegExp(`(SCAN|SEARCH) orders USING COVERING INDEX ${COVER}`))) problems.push(`does not read ${COVER} in order`);
      if (sorts) problems.push('sorts the whole table');
      break;
    case 'revenue of customers':
      if (!has(new RegExp(`SEARCH orders USING COVERING INDEX ${COVER} \\(customer_id=\\?`)))
        problems.push('does not look the customers up');
      break;
  }
  return problems;
}

function postgresProblems(kind: Kind, nodes: PgNode[]): string[] {
  const problems: string[] = [];
  const types = nodes.map((n) => n['Node Type']);
  const onIndex = (name: string) => nodes.find((n) => n['Index Name'] === name && /Index/.test(n['Node Type']));
  switch (kind) {
    case 'purchase span':
      if (!onIndex('orders_date_idx') || types.includes('Sort')) problems.push('is not a walk from one end of the order_date index');
      break;
    case 'order count':
      break;
    case 'summary keyset page': {
      const scan = onIndex(COVER);
      if (!scan || !/ROW\(customer_id, currency, order_date\) > ROW\(/.test(scan['Index Cond'] ?? ''))
        problems.push('is not an index search from the row value');
      break;
    }
    case 'summary page':
      if (!onIndex(COVER)) problems.push(`does not read ${COVER} in order`);
      break;
    case 'revenue of customers':
      if (!/customer_id = ANY/.test(onIndex(COVER)?.['Index Cond'] ?? '')) problems.push('does not look the customers up');
      break;
  }
  if (kind === 'purchase span' || kind === 'summary page' || kind === 'summary keyset page') {
    if (types.includes('Seq Scan')) problems.push('scans the whole table');
    if (types.some((t) => /Sort|Bitmap/.test(t))) problems.push(`sorts or bitmaps what it reads (${types.join(' > ')})`);
  }
  if (kind === 'revenue of customers' && types.includes('Seq Scan')) problems.push('scans the whole table');
  if (nodes.some((n) => n['Index Name'] === 'orders_date_idx' && kind !== 'purchase span'))
    problems.push('walks the order_date index over most of the table with row lookups');
  return problems;
}

describe('query plans of /clv model and /clv value', () => {
  let store: TestStore;
  const captured: CompiledQuery[] = [];

  beforeAll(async () => {
    store = await createTestStore();
    const { customers, orders } = seedRows();
    await seedCustomers(
      store.db,
      customers.map((customer_id) => ({ customer_id })),
    );
    await seedOrders(store.db, orders);
    if (store.dialect === 'postgres') await sql`analyze`.execute(store.db);

    const db = recording(store.db, captured);
    const asOf = '2026-06-30';
    await fitClvModelReport(db, { asOf, zone: 'UTC' });
    await fitClvModelReport(db, { asOf, holdout: '2026-01-31', zone: 'America/New_York' });
    const value = { asOf, zone: 'UTC', horizonMonths: 12, annualDiscount: 0.1 };
    await computeClvValues(db, { ...value, customerIds: null, top: 10 });
    // a scope looked up 500 customers a query: as few of the test store's as 500 are of a real one's
    await computeClvValues(db, { ...value, customerIds: customers.filter((_, i) => i % 150 === 0), includeAll: true, top: 0 });
    // the keyset pages (a real store has more rows than one page)
    await loadCustomerSummaries(db, { asOf, zone: 'UTC', daysPerUnit: 7, pageSize: 500 });
    await loadCustomerSummaries(db, { asOf: '2026-01-31', holdoutEnd: asOf, zone: 'America/New_York', daysPerUnit: 7, pageSize: 500 });
  }, 120_000);
  afterAll(() => store?.close());

  it('sends only queries of the kinds checked here, each kind included', () => {
    const unknown = captured.filter((q) => kindOf(q.sql) === null).map((q) => q.sql);
    expect(unknown, 'a new query on the CLV hot path: add its kind and plan check to this test').toEqual([]);
    const kinds = new Set(captured.map((q) => kindOf(q.sql)));
    expect([...kinds].sort()).toEqual(
      ['order count', 'purchase span', 'revenue of customers', 'summary keyset page', 'summary page'].sort(),
    );
  });

  it('pages are index searches from their row value, and nothing walks an index over most of the table', async () => {
    // each text with its first parameters: a keyset page early in the table, with most of it still to read
    const distinct = new Map<string, CompiledQuery>();
    for (const query of captured) if (!distinct.has(query.sql)) distinct.set(query.sql, query);
    const failures: string[] = [];
    const check = async (stats: string) => {
      for (const query of distinct.values()) {
        const kind = kindOf(query.sql)!;
        const problems =
          store.dialect === 'postgres'
            ? postgresProblems(kind, await postgresPlan(store.db, query))
            : sqliteProblems(kind, await sqlitePlan(store.db, query));
        const plan =
          store.dialect === 'postgres'
            ? (await postgresPlan(store.db, query))
                .map((n) => `${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`)
                .join(' > ')
            : (await sqlitePlan(store.db, query)).join(' | ');
        for (const problem of problems) failures.push(`${kind} (${stats}) ${problem}: ${plan}\n  ${query.sql}`);
      }
    };
    if (store.dialect === 'sqlite') {
      // the bot never runs ANALYZE on SQLite, but a store may have statistics: both must plan well
      await check('no statistics');
      await sql`analyze`.execute(store.db);
    }
    await check('with statistics');
    expect(failures).toEqual([]);
  });
});
