/** Carrier-standard opt-out and opt-in keywords (those Twilio acts on itself): the whole message, any case. */
export const STOP_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const START_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;

export type Keyword = { kind: 'stop' | 'start'; keyword: string };

/** `Stop`, ` STOP. `, `stop!` -> stop; anything longer is a message, not a keyword. */
export function keywordOf(body: string): Keyword | null {
  const word = body
    .trim()
    .replace(/[.!\s]+$/, '')
    .toUpperCase();
  if ((STOP_KEYWORDS as readonly string[]).includes(word)) return { kind: 'stop', keyword: word };
  if ((START_KEYWORDS as readonly string[]).includes(word)) return { kind: 'start', keyword: word };
  return null;
}
