/** The skerry release, stamped by the build (scripts/build.mjs); "dev" when run from source. */
declare const SKERRY_VERSION: string | undefined;
declare const SKERRY_COMMIT: string | undefined;
declare const SKERRY_BUILD_DATE: string | undefined;

export const skerryVersion = typeof SKERRY_VERSION === 'string' ? SKERRY_VERSION : '0.1.0-dev';
const commit = typeof SKERRY_COMMIT === 'string' ? SKERRY_COMMIT : 'unknown';
const buildDate = typeof SKERRY_BUILD_DATE === 'string' ? SKERRY_BUILD_DATE : new Date(0).toISOString();

/**
 * The Kubernetes API version skerry serves. A version-dispatching kubectl picks its build
 * from `minor`, so this names the API subset we implement and test against. 1.31 is the
 * newest whose kubectl sends JSON bodies: kubectl 1.32+ typed clients (`kubectl create
 * namespace|configmap|…`) send protobuf, which the API does not decode yet (ADR 006).
 */
const KUBERNETES = { major: '1', minor: '31', patch: '0' };

/** The body of GET /version, shaped as Kubernetes' version.Info. */
export function versionInfo() {
  return {
    major: KUBERNETES.major,
    minor: KUBERNETES.minor,
    gitVersion: `v${KUBERNETES.major}.${KUBERNETES.minor}.${KUBERNETES.patch}+skerry-${skerryVersion}`,
    gitCommit: commit,
    gitTreeState: 'clean',
    buildDate,
    goVersion: `node${process.versions.node}`,
    compiler: 'esbuild',
    platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
