// Platforms (image-spec image-index.md): Node's process.arch in Go's GOARCH words, and the
// choice of one manifest from an index.
import { SkerryError } from '../errors.ts';
import type { Descriptor, Platform } from './manifest.ts';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** This machine's platform; arm is arm/v7 (the edge gateways we target). */
export function hostPlatform(): Platform {
  const architecture = GOARCH[process.arch] ?? process.arch;
  return architecture === 'arm' ? { os: 'linux', architecture, variant: 'v7' } : { os: 'linux', architecture };
}

/** "linux/arm/v7" → {os, architecture, variant}. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined) throw new SkerryError('USAGE', `platform ${JSON.stringify(text)} must be OS/ARCH or OS/ARCH/VARIANT, e.g. linux/arm64 or linux/arm/v7`, { field: 'platform' });
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

// arm64's variant is v8 when given; an index entry without a variant matches any.
function variantMatches(want: string | undefined, have: string | undefined, architecture: string): boolean {
  if (!want || !have) return true;
  if (architecture === 'arm64') return (want || 'v8') === (have || 'v8');
  return want === have;
}

/** The manifest for `platform` from an index's list; PLATFORM_NOT_FOUND names what there is. */
export function choosePlatform(manifests: Descriptor[], platform: Platform, what: string): Descriptor {
  const candidates = manifests.filter((m) => m.platform && m.platform.os === platform.os && m.platform.architecture === platform.architecture
    && variantMatches(platform.variant, m.platform.variant, platform.architecture));
  // An exact variant beats an entry without one.
  const exact = candidates.find((m) => m.platform!.variant === platform.variant);
  const chosen = exact ?? candidates[0];
  if (chosen) return chosen;
  const offered = manifests.map((m) => (m.platform ? formatPlatform(m.platform) : 'unknown')).join(', ') || 'none';
  throw new SkerryError('PLATFORM_NOT_FOUND', `${what} has no ${formatPlatform(platform)} image (it has: ${offered})`, { platform: formatPlatform(platform) });
}
