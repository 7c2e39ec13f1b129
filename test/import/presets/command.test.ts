/** preset= through the command path and through the pipeline (as a data source passes it): wrong kinds and unknown names. */
import { describe, expect, it } from 'vitest';
import { presetNamed, presetNames } from '../../../src/import/presets/index.ts';
import { run } from '../../helpers/bot.ts';
import { presetTest } from './helpers.ts';

const t = presetTest();

describe('preset=', () => {
  it('offers each kind its own presets', () => {
    expect(presetNames('orders')).toEqual(['shopify-orders', 'stripe-payments', 'woocommerce-orders']);
    expect(presetNames('spend')).toEqual(['google-ads', 'meta-ads']);
    expect(presetNames('events')).toEqual(['mailchimp', 'klaviyo']);
    expect(presetNames('customers')).toEqual([]);
  });

  it('refuses a preset of another kind in /import, listing the right ones', async () => {
    const reply = await run(t.bot, `/import spend ${t.file(['Day,Cost', '2026-03-01,1'])} preset=shopify-orders`);
    expect(reply.ok).toBe(false);
    expect(JSON.stringify(reply.data)).toMatch(/google-ads, meta-ads/);
  });

  it('refuses it in the pipeline too (a data source names its preset as text)', () => {
    expect(() => presetNamed('shopify-orders', 'spend')).toThrow(/reads orders, not spend/);
    expect(() => presetNamed('shopify', 'orders')).toThrow(/no preset named/);
  });
});
