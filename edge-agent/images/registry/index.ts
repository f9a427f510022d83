// The public face of edge-agent/images/registry: an OCI distribution-spec (registry v2)
// client that pulls an image's blobs into the content store, resuming cut downloads.
export type { RegistryAuth } from './auth.ts';
export type { Progress } from './blob.ts';
export { pullImage, type PulledImage, type PullOptions } from './pull.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
