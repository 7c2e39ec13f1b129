import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { bindSince, compareCursor } from '../../src/import/query-source.ts';
import { DEFAULT_SOURCES_FILE, loadSources } from '../../src/sources/config.ts';
import { redactSecrets, sourceWhere } from '../../src/sources/describe.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-sources-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function file(text: string): string {
  const name = path.join(dir, `sources-${++count}.yaml`);
  writeFileSync(name, text);
  return name;
}

function problems(text: string, env: Record<string, string> = {}): string {
  try {
    loadSources(file(text), env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the sources file to be refused');
}

const COMPLETE = `
sources:
  shop-orders:
    type: url
    kind: orders
    url: https://exports.example.com/orders.csv.gz
    headers:
      Authorization: "Bearer \${SHOP_TOKEN}"
    date_format: DD/MM/YYYY
    schedule: "15 6 * * *"
  warehouse:
    type: postgres
    kind: orders
    connection: \${WAREHOUSE_URL}
    query: select order_id, customer_id, order_date, amount, updated_at from orders where :since is null or updated_at > :since
    incremental: updated_at
    map: "total:amount"
  app-db:
    type: sqlite
    kind: customers
    path: ./data/app.db
    query: select * from users
  ads:
    type: directory
    kind: spend
    path: /srv/exports
    glob: "spend-*.csv"
    preset: google-ads
    zone: Europe/Berlin
`;

describe('loadSources', () => {
  it('reads every type, replacing ${VAR} references from the environment', () => {
    const sources = loadSources(file(COMPLETE), {
      SHOP_TOKEN: 'tok-123456',
      WAREHOUSE_URL: 'postgres://bot:pw-secret@db.internal:5432/shop',
    });
    expect(sources.map((s) => [s.name, s.type, s.kind])).toEqual([
      ['shop-orders', 'url', 'orders'],
      ['warehouse', 'postgres', 'orders'],
      ['app-db', 'sqlite', 'customers'],
      ['ads', 'directory', 'spend'],
    ]);
    expect(sources[0]).toMatchObject({
      headers: { Authorization: 'Bearer tok-123456' },
      date_format: 'DD/MM/YYYY',
      schedule: '15 6 * * *',
    });
    expect(sources[1]).toMatchObject({
      connection: 'postgres://bot:pw-secret@db.internal:5432/shop',
      incremental: 'updated_at',
      map: 'total:amount',
    });
    expect(sources[3]).toMatchObject({ glob: 'spend-*.csv', preset: 'google-ads', zone: 'Europe/Berlin' });
    // what chat may show of them, and error texts cleaned of their secrets
    expect(sourceWhere(sources[1]!)).toBe('PostgreSQL db.internal:5432/shop');
    const leaked = 'connect to postgres://bot:pw-secret@db.internal:5432/shop failed (pw-secret); header Bearer tok-123456';
    const clean = redactSecrets(leaked, sources[1]!);
    expect(clean).not.toContain('pw-secret');
    expect(redactSecrets(leaked, sources[0]!)).not.toContain('tok-123456');
  });

  it('a missing default file is no sources; a missing SOURCES_FILE is a start-up error', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(loadSources(undefined, {})).toEqual([]);
      expect(DEFAULT_SOURCES_FILE).toBe('./sources.yaml');
    } finally {
      process.chdir(cwd);
    }
    expect(() => loadSources(path.join(dir, 'nope.yaml'), {})).toThrow(/SOURCES_FILE: .*nope\.yaml does not exist/);
    expect(loadConfig({ SOURCES_FILE: '/etc/growthbot/sources.yaml' }).SOURCES_FILE).toBe('/etc/growthbot/sources.yaml');
  });

  it('names the source and the field of every problem, together', () => {
    const message = problems(`
sources:
  a:
    type: ftp
    kind: orders
  b:
    type: url
    kind: invoices
    url: ftp://x
  c:
    type: postgres
    kind: orders
    connection: \${MISSING_URL}
    query: select 1
  d:
    type: sqlite
    kind: orders
    path: x.db
    query: select * from t
    incremental: updated_at
    schedule: "every day"
  e:
    type: directory
    kind: spend
    path: /x
    colour: blue
`);
    expect(message).toContain('sources.a.type: must be one of url, postgres, sqlite, directory');
    expect(message).toContain('sources.b.kind: must be one of customers, orders, spend, events, rates');
    expect(message).toContain('sources.b.url: must be an https:// (or http://) URL');
    expect(message).toContain('sources.c.connection: ${MISSING_URL} is not set in the environment');
    expect(message).toContain('sources.d.query: an incremental source');
    expect(message).toContain('sources.d.schedule:');
    expect(message).toMatch(/sources\.e: .*colour/);
  });

  it('refuses secrets written into the file, and a query naming :since without an incremental column', () => {
    const message = problems(`
sources:
  pg:
    type: postgres
    kind: orders
    connection: postgres://bot:hunter2@db/shop
    query: select 1
  web:
    type: url
    kind: orders
    url: https://x.example/o.csv
    headers:
      Authorization: Bearer abc
  q:
    type: sqlite
    kind: orders
    path: x.db
    query: select * from t where :since is null or u > :since
`);
    expect(message).toContain('sources.pg.connection: holds a password');
    expect(message).toContain('sources.web.headers.Authorization: a credential must come from the environment');
    expect(message).toContain('sources.q.incremental: the query names :since');
    expect(message).not.toContain('hunter2');
  });

  it('refuses what is not YAML, bad names, and an unknown top-level key', () => {
    expect(problems('sources: [')).toContain('not valid YAML');
    expect(problems('sources:\n  "bad name!":\n    type: url\n')).toContain('sources.bad name!: a source name is');
    expect(problems('source:\n  a: {}\n')).toMatch(/file|source/);
  });
});

describe('the README example', () => {
  it('is a valid sources file', () => {
    const readme = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
    const example = /```yaml\n(# sources\.yaml[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const sources = loadSources(file(example!), { SHOP_EXPORT_TOKEN: 't', WAREHOUSE_URL: 'postgres://reader:pw@db.internal:5432/shop' });
    expect(sources.map((s) => s.type)).toEqual(['url', 'postgres', 'directory']);
  });
});

describe(':since binding and cursors', () => {
  it('replaces :since outside quotes and comments, never a cast', () => {
    expect(bindSince("select * from t where :since is null or u > :since::timestamptz and s = ':since' -- :since", '$1')).toEqual({
      text: "select * from t where $1 is null or u > $1::timestamptz and s = ':since' -- :since",
      count: 2,
    });
    expect(bindSince('select x::since, :sinceX from t', '$1').count).toBe(0);
    expect(bindSince('select $$ :since $$, :since', '$1').text).toBe('select $$ :since $$, $1');
  });

  it('orders numbers by value and timestamps as text', () => {
    expect(compareCursor('9', '10')).toBeLessThan(0);
    expect(compareCursor('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
    expect(compareCursor('2026-11-25 10:00:00+00', '2026-11-25 10:00:00.5+00')).toBeLessThan(0);
    expect(compareCursor('2026-11-25 10:00:00.25+00', '2026-11-25 10:00:00.5+00')).toBeLessThan(0);
  });
});
