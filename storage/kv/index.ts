export type {
  CompactResult,
  KeyValue,
  KeyValueStore,
  ListOptions,
  ListResult,
  Watch,
  WatchEvent,
  WatchOptions,
} from './types.ts';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.ts';
export { conformanceSuite, type StoreFactory } from './conformance.ts';
export { nativeBindingPath } from './sqlite/native-binding.ts';
