// OCI whiteouts (".wh.NAME", ".wh..wh..opq") and how they map onto overlayfs, which stacks
// each layer's own directory: a whiteout becomes a 0:0 character device named NAME, an
// opaque marker becomes the trusted.overlay.opaque xattr on its directory. Nothing is ever
// deleted for a whiteout: the layer below is another directory, and hiding is overlayfs's job.

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export type WhiteoutKind =
  | { kind: 'none' }
  | { kind: 'opaque' }
  /** NAME in the same directory is hidden. */
  | { kind: 'whiteout'; hides: string }
  /** aufs bookkeeping (".wh..wh.plnk", ".wh..wh.aufs"): meaningless to overlayfs. */
  | { kind: 'aufs' }
  | { kind: 'unsafe'; why: string };

/** What an entry is, from its path components, as far as whiteouts go. */
export function classifyWhiteout(components: string[]): WhiteoutKind {
  const last = components.length - 1;
  for (let i = 0; i < last; i++) {
    // A whiteout's NAME would hold a "/": no tool makes one, and no reading of it is safe.
    if (components[i]!.startsWith(WHITEOUT_PREFIX)) return { kind: 'unsafe', why: `the whiteout name "${components[i]}" is used as a directory` };
  }
  const base = components[last];
  if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  if (base === OPAQUE_MARKER) return { kind: 'opaque' };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'aufs' };
  const hides = base.slice(WHITEOUT_PREFIX.length);
  if (hides === '' || hides === '.' || hides === '..') return { kind: 'unsafe', why: `the whiteout "${base}" names no sibling` };
  return { kind: 'whiteout', hides };
}
