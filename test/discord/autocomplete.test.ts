import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autocompleteChoices } from '../../adapters/discord/autocomplete.ts';
import type { OptionInfo } from '../../src/core/option-schema.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';

// Bare tables of its own (no migrations) in the pass's store: SQLite, or a PostgreSQL schema.
let store: TestStore;
let db: TestStore['db'];
const campaign: OptionInfo = { name: 'campaign', description: 'a campaign', type: 'string', required: false, autocomplete: 'campaign' };
const segment: OptionInfo = { ...campaign, name: 'segment', autocomplete: 'segment' };

beforeAll(async () => {
  store = await createEmptyTestStore();
  db = store.db;
  await sql`create table campaigns (name text not null)`.execute(db);
  await sql`create table segment_runs (id integer primary key, name text, status text not null default 'complete')`.execute(db);
  await sql`insert into segment_runs (id, name) values (1, 'Spring RFM'), (2, null), (12, 'k-means Q2')`.execute(db);
  // still being stored: not offered
  await sql`insert into segment_runs (id, name, status) values (13, 'Spring half stored', 'storing')`.execute(db);
  for (const name of ['Spring sale', 'Summer 50%_off', 'Winback VIP', ...Array.from({ length: 30 }, (_, i) => `Promo ${i}`)]) {
    await sql`insert into campaigns (name) values (${name})`.execute(db);
  }
});

afterAll(async () => {
  await store.close();
});

describe('autocompleteChoices', () => {
  it('finds names containing the typed text, case-insensitively', async () => {
    expect(await autocompleteChoices(db as never, campaign, 'SPR')).toEqual([{ name: 'Spring sale', value: 'Spring sale' }]);
    expect(await autocompleteChoices(db as never, campaign, '50%_')).toEqual([{ name: 'Summer 50%_off', value: 'Summer 50%_off' }]);
    expect(await autocompleteChoices(db as never, campaign, '%')).toEqual([{ name: 'Summer 50%_off', value: 'Summer 50%_off' }]);
  });

  it('answers at most 25 names', async () => {
    expect(await autocompleteChoices(db as never, campaign, '')).toHaveLength(25);
  });

  it('lists segmentation runs newest first by id or name, the id as the value', async () => {
    const run: OptionInfo = { ...campaign, name: 'from', autocomplete: 'segment-run' };
    expect(await autocompleteChoices(db as never, run, '')).toEqual([
      { name: '#12 k-means Q2', value: '12' },
      { name: '#2', value: '2' },
      { name: '#1 Spring RFM', value: '1' },
    ]);
    expect(await autocompleteChoices(db as never, run, 'spring')).toEqual([{ name: '#1 Spring RFM', value: '1' }]);
    expect(await autocompleteChoices(db as never, run, '#1')).toEqual([
      { name: '#12 k-means Q2', value: '12' },
      { name: '#1 Spring RFM', value: '1' },
    ]);
  });

  it('answers nothing when the table does not exist', async () => {
    expect(await autocompleteChoices(db as never, segment, 'vip')).toEqual([]);
  });
});
