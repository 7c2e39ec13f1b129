import { canonicalZone, isValidTimeZone } from '../core/time-zone.ts';

/** A zone name (`Europe/Berlin`, `UTC`), not an offset such as `+01:00` that ignores daylight saving time. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const known = new Map<string, string | null>();

/** The canonical IANA name of a zone cell (`us/eastern` -> `America/New_York`), or null; remembered per spelling (a file repeats a few). */
export function ianaZone(text: string): string | null {
  let zone = known.get(text);
  if (zone === undefined) {
    zone = text.length <= 64 && ZONE_NAME.test(text) && isValidTimeZone(text) ? canonicalZone(text) : null;
    if (known.size < 10_000) known.set(text, zone);
  }
  return zone;
}
