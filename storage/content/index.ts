// The public face of storage/content: a content-addressed blob store with resumable,
// verified, durable writes (OCI image-spec digests).
export { digestOf, hasher, isDigest, parseDigest, type DigestAlgorithm, type ParsedDigest } from './digest.ts';
export { fsyncDir, makeDurableDir, writeFileDurably, writeFileDurablyAsync } from './durable.ts';
export type { Ingest } from './ingest.ts';
export { openContentStore, type BlobInfo, type ContentStore } from './store.ts';
export { tryLock, unlock } from './lock.ts';
