import { randomBytes } from 'node:crypto';
import { DISCORD_LIMITS } from './limits.ts';

const INLINE = 'cmd:';
const STORED = 'cmd#';

/**
 * Button custom_ids carry the typed command they run. A command longer than Discord's 100
 * characters is kept in a bounded in-memory map under a short key (lost on restart: the
 * click then asks the user to type the command).
 */
export class ButtonIds {
  readonly #stored = new Map<string, string>();

  constructor(readonly capacity = 10_000) {}

  idFor(command: string): string {
    const inline = `${INLINE}${command}`;
    if (inline.length <= DISCORD_LIMITS.customId) return inline;
    const key = `${STORED}${randomBytes(9).toString('base64url')}`;
    this.#stored.set(key, command);
    if (this.#stored.size > this.capacity) this.#stored.delete(this.#stored.keys().next().value!);
    return key;
  }

  /** The command behind a custom_id; undefined when it is not ours or has been forgotten. */
  commandFor(customId: string): string | undefined {
    if (customId.startsWith(INLINE)) return customId.slice(INLINE.length);
    if (customId.startsWith(STORED)) return this.#stored.get(customId);
    return undefined;
  }
}
