import { readdirSync } from 'node:fs';
import { NO_MIGRATIONS, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createMigrator, MIGRATIONS_DIR } from '../../src/store/migrate.ts';
import { createEmptyTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

const migrationNames = readdirSync(MIGRATIONS_DIR)
  .filter((file) => /\.(ts|js|mjs)$/.test(file) && !file.endsWith('.d.ts'))
  .map((file) => file.replace(/\.(ts|js|mjs)$/, ''))
  .sort();

async function tableNames(store: TestStore): Promise<string[]> {
  const tables = await store.db.introspection.getTables();
  const names = tables.filter((t) => store.schema === undefined || t.schema === store.schema).map((t) => t.name);
  return names.filter((name) => !name.startsWith('kysely_')).sort();
}

async function upAndDown(kind: 'sqlite' | 'postgres') {
  const store = await createEmptyTestStore(kind);
  try {
    const migrator = await createMigrator(store.db);
    const tablesAfter: string[][] = [];
    for (const name of migrationNames) {
      const { error, results } = await migrator.migrateUp();
      expect(error, `${name} up`).toBeUndefined();
      expect(results?.map((r) => [r.migrationName, r.status])).toEqual([[name, 'Success']]);
      tablesAfter.push(await tableNames(store));
    }
    expect((await migrator.migrateUp()).results).toEqual([]);
    // A row in every bigint/bigserial pattern table proves the column types took.
    await sql`insert into leases (key, owner, expires_at, acquired_at) values ('k', 'o', ${2 ** 40}, 'now')`.execute(store.db);
    const lease = await store.db.selectFrom('leases').select('expires_at').executeTakeFirstOrThrow();
    expect(lease.expires_at).toBe(2 ** 40);

    for (let i = migrationNames.length - 1; i >= 0; i--) {
      const { error, results } = await migrator.migrateDown();
      expect(error, `${migrationNames[i]} down`).toBeUndefined();
      expect(results?.map((r) => [r.migrationName, r.status])).toEqual([[migrationNames[i], 'Success']]);
      expect(await tableNames(store), `tables after ${migrationNames[i]} down`).toEqual(i === 0 ? [] : tablesAfter[i - 1]);
    }
    const again = await migrator.migrateToLatest();
    expect(again.error).toBeUndefined();
    expect(await tableNames(store)).toEqual(tablesAfter.at(-1));
    const back = await migrator.migrateTo(NO_MIGRATIONS);
    expect(back.error).toBeUndefined();
    expect(await tableNames(store)).toEqual([]);
  } finally {
    await store.close();
  }
}

describe('migrations up and down', () => {
  it('has migrations to check', () => {
    expect(migrationNames.length).toBeGreaterThan(3);
  });

  it('SQLite: each migration up, then each down, leaves exactly the tables before it', async () => {
    await upAndDown('sqlite');
  });

  it.skipIf(!testPostgresUrl())('PostgreSQL: each migration up, then each down (set TEST_DATABASE_URL=postgres://… to run)', async () => {
    await upAndDown('postgres');
  });
});
