import { UserError } from '../../core/errors.ts';
import type { ImportKind } from '../fields.ts';
import { googleAds } from './google-ads.ts';
import { klaviyo } from './klaviyo.ts';
import { mailchimp } from './mailchimp.ts';
import { metaAds } from './meta-ads.ts';
import type { Preset } from './preset.ts';
import { shopifyOrders } from './shopify-orders.ts';
import { stripePayments } from './stripe-payments.ts';
import { woocommerceOrders } from './woocommerce-orders.ts';

export type { Preset } from './preset.ts';

export const PRESETS: readonly Preset[] = [shopifyOrders, stripePayments, woocommerceOrders, googleAds, metaAds, mailchimp, klaviyo];

/** The presets of a kind, by name (the /import option's choices). */
export function presetNames(kind: ImportKind): string[] {
  return PRESETS.filter((p) => p.kind === kind).map((p) => p.name);
}

/** The named preset for a kind; a UserError naming the kind's presets when it is unknown or of another kind. */
export function presetNamed(name: string, kind: ImportKind): Preset {
  const wanted = name.trim().toLowerCase();
  const preset = PRESETS.find((p) => p.name === wanted);
  const own = presetNames(kind);
  const choices = own.length
    ? `Presets for ${kind}: ${own.join(', ')}.`
    : `There are no presets for ${kind}: name the columns with map= instead.`;
  if (!preset) throw new UserError('unknown_preset', `There is no preset named \`${name}\`.`, { hint: choices });
  if (preset.kind !== kind)
    throw new UserError('preset_wrong_kind', `The ${preset.name} preset reads ${preset.kind}, not ${kind}.`, {
      hint: `Import it with /import ${preset.kind} preset=${preset.name}. ${choices}`,
    });
  return preset;
}
