// A pod's /etc/resolv.conf and /etc/hosts, as the kubelet writes them (pkg/kubelet/network/dns
// and the kubelet's managed hosts file): ClusterFirst pods ask the node-local DNS with
// Kubernetes' search path and ndots:5; Default pods get the node's own resolver settings;
// None uses only dnsConfig; dnsConfig is merged in last.
import type { Pod } from '../types.ts';

export interface ClusterDns {
  /** The node-local DNS server's address. */
  nameserver: string;
  /** The cluster domain, e.g. cluster.local. */
  domain: string;
}

export interface HostResolver {
  nameservers: string[];
  searches: string[];
  options: string[];
}

// glibc reads at most 3 nameservers and 32 search domains (the kubelet's limits).
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

/** The resolver settings of a resolv.conf text. */
export function parseResolvConf(text: string): HostResolver {
  const resolver: HostResolver = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) resolver.nameservers.push(values[0]);
    if (key === 'search' || key === 'domain') resolver.searches = values;
    if (key === 'options') resolver.options.push(...values);
  }
  return resolver;
}

function mergeOptions(base: string[], extra: Array<{ name: string; value?: string }>): string[] {
  const byName = new Map(base.map((o) => [o.split(':')[0]!, o]));
  for (const o of extra) byName.set(o.name, o.value === undefined ? o.name : `${o.name}:${o.value}`);
  return [...byName.values()];
}

/** The pod's resolv.conf text. */
export function podResolvConf(pod: Pod, cluster: ClusterDns, host: HostResolver): string {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const clusterFirst = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec.hostNetwork);
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (clusterFirst) {
    const ns = pod.metadata.namespace;
    nameservers = [cluster.nameserver];
    searches = [`${ns}.svc.${cluster.domain}`, `svc.${cluster.domain}`, cluster.domain, ...host.searches];
    options = ['ndots:5'];
  } else if (policy !== 'None') {
    ({ nameservers, searches, options } = host);
  }
  const config = pod.spec.dnsConfig ?? {};
  nameservers = [...new Set([...nameservers, ...(config.nameservers ?? [])])].slice(0, MAX_NAMESERVERS);
  searches = [...new Set([...searches, ...(config.searches ?? [])])].slice(0, MAX_SEARCHES);
  options = mergeOptions(options, config.options ?? []);
  const lines = [...nameservers.map((n) => `nameserver ${n}`)];
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** The kubelet's managed /etc/hosts: loopback, the pod's own name at its IP, then hostAliases. */
export function podHostsFile(pod: Pod, podIP: string, hostname: string, domain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const subdomain = pod.spec.subdomain;
  lines.push(subdomain ? `${podIP}\t${hostname}.${subdomain}.${pod.metadata.namespace}.svc.${domain}\t${hostname}` : `${podIP}\t${hostname}`);
  const aliases = pod.spec.hostAliases ?? [];
  if (aliases.length) lines.push('', '# Entries added by HostAliases.');
  for (const alias of aliases) lines.push(`${alias.ip}\t${(alias.hostnames ?? []).join('\t')}`);
  return `${lines.join('\n')}\n`;
}
