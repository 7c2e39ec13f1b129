import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

export interface ScheduleChange {
  /** The store the change was made in: a scheduler only follows its own bot's store. */
  db: Kysely<Database>;
  type: 'created' | 'removed' | 'paused' | 'resumed' | 'changed';
  id: number;
}

const emitter = new EventEmitter();

/** /digest tells running schedulers about its changes in this process. */
export function announceScheduleChange(change: ScheduleChange): void {
  emitter.emit('change', change);
}

export function onScheduleChange(listener: (change: ScheduleChange) => void): () => void {
  emitter.on('change', listener);
  return () => emitter.off('change', listener);
}
