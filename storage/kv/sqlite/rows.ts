import type { KeyValue, WatchEvent } from '../types.ts';
import { RowKind, type LogRow } from './schema.ts';

export function toKeyValue(row: LogRow): KeyValue {
  return { key: row.key, value: row.value, createRevision: row.create_rev, modRevision: row.rev };
}

const EVENT_TYPES = { [RowKind.Create]: 'create', [RowKind.Update]: 'update', [RowKind.Delete]: 'delete' } as const;

export function toWatchEvent(row: LogRow, prevValue: Buffer | null | undefined): WatchEvent {
  const event: WatchEvent = {
    type: EVENT_TYPES[row.kind],
    key: row.key,
    value: row.value,
    modRevision: row.rev,
    createRevision: row.create_rev,
  };
  if (prevValue) event.prevValue = prevValue;
  return event;
}
