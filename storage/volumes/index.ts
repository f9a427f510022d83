// The public face of storage/volumes: node-local persistent volumes, one preallocated,
// loop-mounted ext4 image per volume, or a directory with a project quota where the store's
// filesystem enforces them (docs/adr/012-local-volumes.md).
export { openVolumeStore, type LocalVolume, type VolumeStore, type VolumeStoreOptions } from './store.ts';
export type { VolumeCondition, VolumeUsage } from './health.ts';
export { isVolumeError, VolumeError, volumeErrorCatalogue, type VolumeErrorCode } from './errors.ts';
export { checkName as checkVolumeName } from './names.ts';
/** Loop devices backing an image, and letting one go: for cleanup by tests and benches. */
export { loopsOf, releaseLoop } from './loop.ts';
