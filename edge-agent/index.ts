export { checkConfig, formatReport, probes, type FeatureReport, type FeatureStatus } from './check-config/index.ts';
export { openImageStore, type ImageRecord, type ImageStore, type PreparedRootfs } from './images/store/index.ts';
export { pullImage, type PulledImage, type PullOptions, type RegistryAuth } from './images/registry/index.ts';
export { importImage, type ImportOptions } from './images/import/index.ts';
export { buildImage, type BuildOptions } from './images/build/index.ts';
