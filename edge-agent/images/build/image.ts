// The image a build produces: an OCI config (platform, run config, rootfs.diff_ids, history)
// and an OCI manifest, both serialised from objects built in a fixed key order, so equal
// builds give equal bytes and equal digests.
import { oci } from '../../../common/index.ts';
import type { BuildState } from './state.ts';

export interface BuiltBlobs {
  config: Buffer;
  manifest: Buffer;
}

export function imageBlobs(state: BuildState, configDigest: (bytes: Buffer) => string): BuiltBlobs {
  const created = state.time.toISOString().replace(/\.000Z$/, 'Z');
  const config = {
    created,
    architecture: state.platform.architecture,
    os: state.platform.os,
    ...(state.platform.variant && { variant: state.platform.variant }),
    config: state.run,
    rootfs: { type: 'layers', diff_ids: state.diffIds },
    history: state.history,
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: oci.MEDIA.ociManifest,
    config: { mediaType: oci.MEDIA.ociConfig, digest: configDigest(configBytes), size: configBytes.length },
    layers: state.layers,
  };
  return { config: configBytes, manifest: Buffer.from(JSON.stringify(manifest)) };
}
