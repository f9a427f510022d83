// Registry credentials for a pod's pulls, as the kubelet finds them: the pod's
// imagePullSecrets first (kubernetes.io/dockerconfigjson or the older dockercfg, matched by
// registry host), then the node's own credential for the skerry server's registry, which
// every node may read (docs/adr/005-server-registry.md).
import type { ObjectSource } from './spec/env.ts';
import type { Pod } from './types.ts';

export interface RegistryCredential {
  username?: string;
  password?: string;
}

export type PullAuth = (registry: string) => RegistryCredential | undefined;

/** The node's credential for the server's registry (host:port as image names spell it). */
export interface NodeRegistry {
  host: string;
  username: string;
  password: string;
}

type DockerAuths = Record<string, { username?: string; password?: string; auth?: string }>;

/** The host an entry of a docker config names: "https://index.docker.io/v1/" → docker.io's registry. */
function entryHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0]!.toLowerCase();
  return host === 'index.docker.io' ? 'registry-1.docker.io' : host;
}

const sameRegistry = (a: string, b: string) => {
  const norm = (h: string) => (h === 'docker.io' || h === 'index.docker.io' ? 'registry-1.docker.io' : h.toLowerCase());
  return norm(a) === norm(b);
};

function credentialOf(entry: DockerAuths[string]): RegistryCredential | undefined {
  if (entry.username !== undefined || entry.password !== undefined) return { username: entry.username ?? '', password: entry.password ?? '' };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The registry entries of one pull secret's data; unreadable secrets give none. */
export function dockerAuths(data: Record<string, Buffer>): DockerAuths {
  try {
    if (data['.dockerconfigjson']) return (JSON.parse(data['.dockerconfigjson'].toString('utf8')) as { auths?: DockerAuths }).auths ?? {};
    if (data['.dockercfg']) return JSON.parse(data['.dockercfg'].toString('utf8')) as DockerAuths;
  } catch {
    // a secret that is not JSON names no registry
  }
  return {};
}

export function pullAuthFor(pod: Pod, objects: ObjectSource, node?: NodeRegistry): PullAuth {
  const secrets = (pod.spec.imagePullSecrets ?? []).map((ref) => (ref?.name ? objects.secret(pod.metadata.namespace, ref.name) : undefined)).filter((s) => s !== undefined);
  return (registry) => {
    for (const data of secrets) {
      for (const [key, entry] of Object.entries(dockerAuths(data))) {
        if (!sameRegistry(entryHost(key), registry)) continue;
        const credential = credentialOf(entry);
        if (credential) return credential;
      }
    }
    return node && sameRegistry(node.host, registry) ? { username: node.username, password: node.password } : undefined;
  };
}
