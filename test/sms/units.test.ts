import { describe, expect, it } from 'vitest';
import { keywordOf } from '../../src/sms/keywords.ts';
import { isE164, maskPhone, normalizePhone } from '../../src/sms/phone.ts';
import { isQuiet, parseQuietHours, quietUntil } from '../../src/sms/quiet-hours.ts';
import { countSegments, isGsm7 } from '../../src/sms/segments.ts';
import { twilioSignature, verifyTwilioSignature } from '../../src/sms/signature.ts';

const a = (n: number) => 'a'.repeat(n);

describe('segment counting', () => {
  it('GSM-7: 160 septets in one message, 153 per part after that', () => {
    expect(countSegments('')).toMatchObject({ segments: 0, encoding: 'GSM-7' });
    expect(countSegments(a(1))).toMatchObject({ segments: 1, units: 1 });
    expect(countSegments(a(160))).toMatchObject({ segments: 1, units: 160, encoding: 'GSM-7' });
    expect(countSegments(a(161))).toMatchObject({ segments: 2, units: 161 });
    expect(countSegments(a(306))).toMatchObject({ segments: 2 });
    expect(countSegments(a(307))).toMatchObject({ segments: 3 });
    expect(countSegments(a(459))).toMatchObject({ segments: 3 });
    expect(countSegments(a(460))).toMatchObject({ segments: 4 });
  });

  it('the whole GSM 03.38 basic set stays GSM-7: accents it has, Greek capitals, @ £ ¥ § ¿, newlines', () => {
    const text = 'Grüße à Åsa, Ñandù: ΔΦΓΛΩΠΨΣΘΞ @£$¥ §¿¡ é è ù ì ò Ç Ø ø Æ æ ß É\r\n';
    expect(isGsm7(text)).toBe(true);
    expect(countSegments(text)).toMatchObject({ encoding: 'GSM-7', units: [...text].length });
  });

  it('extension characters ^ { } \\ [ ~ ] | € count double', () => {
    expect(countSegments('€')).toMatchObject({ encoding: 'GSM-7', characters: 1, units: 2, segments: 1 });
    expect(countSegments('^{}\\[~]|€')).toMatchObject({ characters: 9, units: 18 });
    expect(countSegments(`${a(158)}€`)).toMatchObject({ units: 160, segments: 1 });
    expect(countSegments(`${a(159)}€`)).toMatchObject({ units: 161, segments: 2 });
  });

  it('an escape pair is never split across parts: one that does not fit starts the next part', () => {
    // 152 + [2] + 152 = 306 septets would fit two parts of 153, but the € cannot straddle them
    expect(countSegments(`${a(152)}€${a(152)}`)).toMatchObject({ units: 306, segments: 3 });
    expect(countSegments(`${a(151)}€${a(153)}`)).toMatchObject({ units: 306, segments: 2 });
  });

  it('one character outside GSM-7 makes the whole message UCS-2: 70 units, then 67 per part', () => {
    expect(isGsm7('ç')).toBe(false); // only the capital Ç is in the basic set
    expect(isGsm7('ú')).toBe(false);
    expect(countSegments(`ç${a(69)}`)).toMatchObject({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(countSegments(`ç${a(70)}`)).toMatchObject({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(countSegments(`ç${a(133)}`)).toMatchObject({ units: 134, segments: 2 });
    expect(countSegments(`ç${a(134)}`)).toMatchObject({ units: 135, segments: 3 });
    expect(countSegments('Привет')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
  });

  it('an emoji is two UTF-16 units, and a surrogate pair is never split across parts', () => {
    expect(countSegments('👍')).toMatchObject({ encoding: 'UCS-2', characters: 1, units: 2, segments: 1 });
    expect(countSegments(`${a(68)}👍`)).toMatchObject({ units: 70, segments: 1 });
    expect(countSegments(`${a(69)}👍`)).toMatchObject({ units: 71, segments: 2 });
    expect(countSegments(`${a(66)}👍${a(66)}`)).toMatchObject({ units: 134, segments: 3 });
    expect(countSegments(`${a(65)}👍${a(67)}`)).toMatchObject({ units: 134, segments: 2 });
  });
});

describe('E.164 phone numbers', () => {
  it('normalises what people write', () => {
    expect(normalizePhone('+14155552671')).toBe('+14155552671');
    expect(normalizePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalizePhone(' +44 20 7946 0958 ')).toBe('+442079460958');
    expect(normalizePhone('0049 30.1234567')).toBe('+49301234567');
    expect(normalizePhone('+49\u00a0151 2345 6789')).toBe('+4915123456789');
  });

  it('refuses numbers without a country code, too short or long, with letters, extensions or a leading 0', () => {
    for (const bad of [
      '4155552671',
      '(415) 555-2671',
      '+0123456789',
      '+1234567',
      '+1234567890123456',
      '+1 415 555 CALL',
      '+14155552671 x12',
      '',
      '+',
      '++14155552671',
    ])
      expect(normalizePhone(bad), bad).toBeNull();
    expect(isE164('+12345678')).toBe(true);
    expect(isE164('+123456789012345')).toBe(true);
    expect(isE164('+1234567890123456')).toBe(false);
  });

  it('masks numbers for logs and the audit trail', () => {
    expect(maskPhone('+14155552671')).toBe('+1415…71');
  });
});

describe('quiet hours', () => {
  const q = parseQuietHours('21-09')!;
  const until = (iso: string, zone: string, hours = q) => quietUntil(hours, new Date(iso), zone)?.toISOString() ?? null;

  it('reads 21-09, 21:30-08:00 and off; refuses what is not a window', () => {
    expect(parseQuietHours('21-09')).toEqual({ start: 21 * 60, end: 9 * 60 });
    expect(parseQuietHours('21:30-08:00')).toEqual({ start: 21 * 60 + 30, end: 8 * 60 });
    expect(parseQuietHours('22-24')).toEqual({ start: 22 * 60, end: 0 });
    expect(parseQuietHours('off')).toBeNull();
    expect(parseQuietHours('')).toBeNull();
    for (const bad of ['9-9', '25-03', '21-9:75', 'night', '21'] as const) expect(parseQuietHours(bad), bad).toBeUndefined();
  });

  it('outside the window nothing waits', () => {
    expect(until('2026-06-15T15:00:00Z', 'America/New_York')).toBeNull(); // 11:00 EDT
    expect(until('2026-06-15T12:59:00Z', 'America/New_York')).not.toBeNull(); // 08:59 EDT
    expect(until('2026-06-15T13:00:00Z', 'America/New_York')).toBeNull(); // 09:00 EDT: the window has ended
    expect(until('2026-06-16T00:59:00Z', 'America/New_York')).toBeNull(); // 20:59 EDT
  });

  it('holds until 09:00 in the customer’s own zone, the same instant quiet in one zone and not in another', () => {
    const instant = '2026-06-15T12:00:00Z';
    expect(until(instant, 'Europe/London')).toBeNull(); // 13:00 BST
    expect(until(instant, 'Asia/Tokyo')).toBe('2026-06-16T00:00:00.000Z'); // 21:00 JST -> 09:00 JST
    expect(until('2026-06-15T16:00:00Z', 'Asia/Kolkata')).toBe('2026-06-16T03:30:00.000Z'); // 21:30 IST, +05:30
    expect(until('2026-06-15T06:00:00Z', 'America/New_York')).toBe('2026-06-15T13:00:00.000Z'); // 02:00 EDT, same day
  });

  it('a night the clocks go forward is an hour shorter (New York, 8 March 2026)', () => {
    // 21:30 EST on 7 March; 09:00 on 8 March is EDT (UTC-4), not 14:00 UTC
    expect(until('2026-03-08T02:30:00Z', 'America/New_York')).toBe('2026-03-08T13:00:00.000Z');
  });

  it('a night the clocks go back is an hour longer (New York, 1 November 2026; Sydney, 5 April 2026)', () => {
    // 21:30 EDT on 31 October; 09:00 on 1 November is EST (UTC-5)
    expect(until('2026-11-01T01:30:00Z', 'America/New_York')).toBe('2026-11-01T14:00:00.000Z');
    // 22:00 AEDT on 4 April; 09:00 on 5 April is AEST (UTC+10)
    expect(until('2026-04-04T11:00:00Z', 'Australia/Sydney')).toBe('2026-04-04T23:00:00.000Z');
  });

  it('an end time the clocks skip ends the window at the jump; one they repeat, at its first pass after now', () => {
    const gap = parseQuietHours('00-02:30')!;
    // 00:30 EST on 8 March 2026: 02:30 never happens, at 07:00 UTC the clocks go from 02:00 EST to 03:00 EDT
    expect(until('2026-03-08T05:30:00Z', 'America/New_York', gap)).toBe('2026-03-08T07:00:00.000Z');
    const repeated = parseQuietHours('00-01:30')!;
    // 00:30 EDT on 1 November 2026: the first 01:30 (EDT)
    expect(until('2026-11-01T04:30:00Z', 'America/New_York', repeated)).toBe('2026-11-01T05:30:00.000Z');
    // 01:10 EST, the second pass through 01:00-02:00: the first 01:30 is behind us, the second one ends it
    expect(isQuiet(repeated, new Date('2026-11-01T06:10:00Z'), 'America/New_York')).toBe(true);
    expect(until('2026-11-01T06:10:00Z', 'America/New_York', repeated)).toBe('2026-11-01T06:30:00.000Z');
  });
});

describe('Twilio request signatures', () => {
  // the example of Twilio's request validation guide
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };

  it('is base64 HMAC-SHA1 of the URL and the sorted parameters', () => {
    expect(twilioSignature('12345', url, params)).toBe('GvWf1cFY/Q7PnoempGyD5oXAezc=');
    expect(verifyTwilioSignature('12345', url, params, 'GvWf1cFY/Q7PnoempGyD5oXAezc=')).toBe(true);
  });

  it('refuses a missing signature, another token, another URL or a changed parameter', () => {
    const good = twilioSignature('12345', url, params);
    expect(verifyTwilioSignature('12345', url, params, undefined)).toBe(false);
    expect(verifyTwilioSignature('12345', url, params, '')).toBe(false);
    expect(verifyTwilioSignature('54321', url, params, good)).toBe(false);
    expect(verifyTwilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=3', params, good)).toBe(false);
    expect(verifyTwilioSignature('12345', url, { ...params, Digits: '1235' }, good)).toBe(false);
    expect(verifyTwilioSignature('12345', url, params, `${good}x`)).toBe(false);
  });

  it('accepts the URL signed with or without the default port', () => {
    const withPort = twilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params);
    expect(verifyTwilioSignature('12345', url, params, withPort)).toBe(true);
  });
});

describe('opt-out keywords', () => {
  it('reads the whole message as the keyword, in any case, with trailing punctuation', () => {
    expect(keywordOf('STOP')).toEqual({ kind: 'stop', keyword: 'STOP' });
    expect(keywordOf(' stop. ')).toEqual({ kind: 'stop', keyword: 'STOP' });
    expect(keywordOf('Unsubscribe!')).toEqual({ kind: 'stop', keyword: 'UNSUBSCRIBE' });
    for (const word of ['STOPALL', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']) expect(keywordOf(word)?.kind).toBe('stop');
    expect(keywordOf('start')).toEqual({ kind: 'start', keyword: 'START' });
    expect(keywordOf('please stop texting me')).toBeNull();
    expect(keywordOf('Thanks')).toBeNull();
  });
});
