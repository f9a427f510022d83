// Media types of the OCI image-spec and Docker's schema2, which registries and archives use.
export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

/** What a registry client sends in Accept for a manifest: all four, else registries down-convert or 404. */
export const MANIFEST_ACCEPT = [MEDIA.ociManifest, MEDIA.ociIndex, MEDIA.dockerManifest, MEDIA.dockerManifestList];

export const IMAGE_MANIFEST_TYPES: readonly string[] = [MEDIA.ociManifest, MEDIA.dockerManifest];
export const INDEX_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.dockerManifestList];
export const CONFIG_TYPES: readonly string[] = [MEDIA.ociConfig, MEDIA.dockerConfig];

/** Layer media types we unpack, and their compression. */
export const LAYER_COMPRESSION: Readonly<Record<string, 'gzip' | 'none' | 'zstd'>> = {
  [MEDIA.ociLayer]: 'none',
  [MEDIA.ociLayerGzip]: 'gzip',
  [MEDIA.ociLayerZstd]: 'zstd',
  [MEDIA.ociLayerNondistributable]: 'none',
  [MEDIA.ociLayerNondistributableGzip]: 'gzip',
  [MEDIA.dockerLayer]: 'none',
  [MEDIA.dockerLayerGzip]: 'gzip',
  [MEDIA.dockerForeignLayerGzip]: 'gzip',
};

/** Annotations of an OCI layout's index.json that name an image: the tag, and containerd's full name. */
export const ANNOTATION = {
  refName: 'org.opencontainers.image.ref.name',
  containerdName: 'io.containerd.image.name',
} as const;
