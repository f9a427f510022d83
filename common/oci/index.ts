// The public face of common/oci: OCI image-spec and Docker schema2 media types, manifests,
// configs, platforms and references — pure data, no I/O.
export { ANNOTATION, CONFIG_TYPES, IMAGE_MANIFEST_TYPES, INDEX_TYPES, LAYER_COMPRESSION, MANIFEST_ACCEPT, MEDIA } from './media-types.ts';
export {
  checkDescriptor, manifestKind, parseImageConfig, parseImageIndex, parseImageManifest,
  type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform,
} from './manifest.ts';
export { choosePlatform, formatPlatform, hostPlatform, parsePlatform } from './platform.ts';
export { formatReference, isRepositoryName, isTag, parseReference, repositoryOf, type ImageReference } from './reference.ts';
