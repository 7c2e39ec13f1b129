import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateExamples } from '../../examples/generate.ts';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('examples/generate.ts', () => {
  it('rebuilds the committed demo CSVs byte for byte', async () => {
    const counts = await generateExamples(dir);
    expect(counts.customers).toBe(5000);
    for (const name of ['customers.csv', 'orders.csv', 'spend.csv', 'events.csv', 'sales.csv', 'rates.csv', 'products.csv']) {
      expect(hash(path.join(dir, name)), name).toBe(hash(path.join(examples, name)));
    }
  });

  it('has repeat buyers, multi-line orders, returns, and no spend for organic or referral', () => {
    const orders = readFileSync(path.join(examples, 'orders.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const days = new Map<string, Set<string>>();
    const lines = new Map<string, number>();
    for (const [order, customer, date] of orders) {
      if (!order!.startsWith('C')) days.set(customer!, (days.get(customer!) ?? new Set()).add(date!));
      lines.set(order!, (lines.get(order!) ?? 0) + 1);
    }
    expect([...days.values()].filter((d) => d.size > 1).length).toBeGreaterThan(100);
    expect([...lines.values()].filter((n) => n > 1).length).toBeGreaterThan(100);
    expect(orders.filter((o) => Number(o[4]) < 0).length).toBeGreaterThan(10);
    const spend = readFileSync(path.join(examples, 'spend.csv'), 'utf8');
    expect(spend).not.toMatch(/organic|referral/);
  });
});
