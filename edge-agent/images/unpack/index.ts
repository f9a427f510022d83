// The public face of edge-agent/images/unpack: the safe unpacker of OCI and Docker image
// layers (DESIGN §6). A layer is hostile input; see unpack.ts for what is promised.
export { unpackLayer, type UnpackOptions, type UnpackResult } from './unpack.ts';
export { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './limits.ts';
export type { Compression, LayerSource } from './decompress.ts';
export type { Skip } from './materialize.ts';
export { OPAQUE_XATTR } from './whiteout.ts';
export { LANES } from './filewriter.ts';
