import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

const emitter = new EventEmitter();

/** A campaign got a time the clock must act on (approved with a start): running clocks of this store re-plan at once. */
export function announceDueChange(db: Kysely<Database>): void {
  emitter.emit('change', db);
}

export function onDueChange(listener: (db: Kysely<Database>) => void): () => void {
  emitter.on('change', listener);
  return () => emitter.off('change', listener);
}
