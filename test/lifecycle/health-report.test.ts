import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../src/lifecycle/health.ts';
import { createEmptyTestStore, createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;

beforeAll(async () => {
  store = await createTestStore();
});

afterAll(async () => {
  await store.close();
});

describe('Health.report', () => {
  it('is 503 while starting, 200 once ready with the store answering, 503 while stopping', async () => {
    const health = new Health();
    expect(await health.report()).toMatchObject({ status: 503, body: { status: 'starting', store: 'unknown' } });
    health.setStore(store.db);
    health.setAdapter('slack', () => 'ok');
    health.ready();
    const ready = await health.report();
    expect(ready).toMatchObject({ status: 200, body: { status: 'ok', store: 'ok', adapters: { slack: 'ok', discord: 'off' } } });
    expect(ready.body.version).toMatch(/^\d+\.\d+\.\d+/);
    health.stopping();
    expect(await health.report()).toMatchObject({ status: 503, body: { status: 'stopping' } });
  });

  it('is 503 when the store does not answer a query or a configured adapter is disconnected', async () => {
    // a store without the bot's tables (an empty database) fails the query
    const empty = await createEmptyTestStore();
    try {
      const health = new Health();
      health.setStore(empty.db);
      health.ready();
      expect(await health.report()).toMatchObject({ status: 503, body: { status: 'degraded', store: 'down' } });
    } finally {
      await empty.close();
    }

    const offline = new Health();
    offline.setStore(store.db);
    offline.setAdapter('discord', () => 'down');
    offline.ready();
    expect(await offline.report()).toMatchObject({ status: 503, body: { status: 'degraded', store: 'ok', adapters: { discord: 'down' } } });
  });
});
