// The public face of server/registry: the OCI distribution API (registry v2) that makes the
// server its fleet's registry. Blobs live in a content store under <data-dir>/registry,
// what each repository holds in the revisioned store under /registry/ (ADR 005).
export { createRegistry, type Registry, type RegistryDeps, type RegistryHandler } from './handler.ts';
export { REGISTRY_PREFIX } from './metadata.ts';
