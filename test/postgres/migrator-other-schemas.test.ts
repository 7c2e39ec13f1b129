import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createEmptyTestStore, testPostgresUrl } from '../helpers/store.ts';

const url = testPostgresUrl();

/**
 * Several bots (tenants, test files) share one PostgreSQL database, each in its own schema. A start
 * must not depend on the other schemas: one dropped while this one migrates once failed a start with
 * "schema t_… does not exist".
 */
describe.skipIf(!url)('PostgreSQL migrations beside other schemas', () => {
  it('migrate while other schemas with serial columns are created and dropped around them', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const name = `churn_${process.pid}_${i % 4}`;
        await admin.query(`drop schema if exists ${name} cascade`);
        await admin.query(`create schema ${name}; create table ${name}.t (id serial primary key, a text, b text, c text)`);
      }
    })();
    try {
      for (let run = 0; run < 4; run++) {
        const store = await createEmptyTestStore('postgres');
        try {
          await expect(migrateToLatest(store.db)).resolves.not.toHaveLength(0);
        } finally {
          await store.close();
        }
      }
    } finally {
      churning = false;
      await churn;
      for (let i = 0; i < 4; i++) await admin.query(`drop schema if exists churn_${process.pid}_${i} cascade`);
      await admin.end();
    }
  });
});
