import { duplicate, forbidden, index, invalid, notSupported, required, requireField, type Causes } from './errors.ts';
import { go, goIntOrString, goQuote, goStringSlice } from './gofmt.ts';
import { ipFamily, validateCidr, validateIp } from './ip.ts';
import { eachObject, fields, type Fields, type Obj } from './json.ts';
import { validateLabels } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, portNumberErrors, qualifiedNameErrors } from './names.ts';
import { validatePortNumOrName } from './probes.ts';
import { spec } from './workloads.ts';

/** Services and Endpoints. */

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const NODE_PORT_RANGE = { min: 30000, max: 32767 };
const MAX_AFFINITY_SECONDS = 86400;

export function isHeadless(clusterIPs: string[]): boolean {
  return clusterIPs.length === 1 && clusterIPs[0] === 'None';
}

function validateAppProtocol(errs: Causes, p: Fields): void {
  const app = p.str('appProtocol');
  for (const msg of app !== undefined ? qualifiedNameErrors(app) : []) errs.push(invalid(p.path('appProtocol'), app ?? '', msg));
}

function validateProtocol(errs: Causes, p: Fields): string {
  const protocol = p.str('protocol') ?? '';
  if (!protocol) requireField(errs, p.path('protocol'));
  else if (!PROTOCOLS.includes(protocol)) errs.push(notSupported(p.path('protocol'), protocol, PROTOCOLS));
  return protocol;
}

function portLiteral(name: string, protocol: string, port: number): ReturnType<typeof go> {
  return go(
    `core.ServicePort{Name:${goQuote(name)}, Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:${goIntOrString(0)}, NodePort:0}`,
  );
}

function validatePorts(errs: Causes, s: Fields, type: string): void {
  const list = s.array('ports') ?? [];
  const names = new Set<string>();
  const ports = new Set<string>();
  const nodePorts = new Set<string>();
  eachObject(errs, list, s.path('ports'), (p) => {
    const name = p.str('name') ?? '';
    if (list.length > 1 && !name) requireField(errs, p.path('name'));
    else if (name) {
      for (const msg of dns1123LabelErrors(name)) errs.push(invalid(p.path('name'), name, msg));
      if (names.has(name)) errs.push(duplicate(p.path('name'), name));
      names.add(name);
    }
    const port = p.int('port') ?? 0;
    for (const msg of portNumberErrors(port)) errs.push(invalid(p.path('port'), port, msg));
    const protocol = validateProtocol(errs, p);
    validatePortNumOrName(errs, p.intOrString('targetPort'), p.path('targetPort'));
    validateAppProtocol(errs, p);
    const nodePort = p.int('nodePort') ?? 0;
    if (nodePort !== 0) {
      if (type === 'ClusterIP') errs.push(forbidden(p.path('nodePort'), "may not be used when `type` is 'ClusterIP'"));
      else if (nodePort < NODE_PORT_RANGE.min || nodePort > NODE_PORT_RANGE.max) {
        errs.push(invalid(p.path('nodePort'), nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      }
      if (nodePorts.has(`${protocol}/${nodePort}`)) errs.push(duplicate(p.path('nodePort'), nodePort));
      nodePorts.add(`${protocol}/${nodePort}`);
    }
    if (ports.has(`${protocol}/${port}`)) errs.push(duplicate(p.at, portLiteral('', protocol, port)));
    ports.add(`${protocol}/${port}`);
  });
}

function validateAffinity(errs: Causes, s: Fields): void {
  const affinity = s.str('sessionAffinity') ?? '';
  const config = s.fields('sessionAffinityConfig');
  if (!affinity) return requireField(errs, s.path('sessionAffinity'));
  if (affinity !== 'ClientIP' && affinity !== 'None') return void errs.push(notSupported(s.path('sessionAffinity'), affinity, ['ClientIP', 'None']));
  if (affinity === 'None') {
    if (config.obj) errs.push(forbidden(config.at, 'must not be set when session affinity is None'));
    return;
  }
  const when = 'when session affinity type is ClientIP';
  if (!config.obj) return void errs.push(required(config.at, when));
  const clientIP = config.fields('clientIP');
  if (!clientIP.obj) return void errs.push(required(clientIP.at, when));
  const timeout = clientIP.int('timeoutSeconds');
  if (timeout === undefined) return void errs.push(required(clientIP.path('timeoutSeconds'), when));
  if (timeout <= 0 || timeout > MAX_AFFINITY_SECONDS) {
    errs.push(invalid(clientIP.path('timeoutSeconds'), timeout, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`));
  }
}

/** clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy must agree with one another. */
function validateClusterIPs(errs: Causes, s: Fields): void {
  const clusterIP = s.str('clusterIP') ?? '';
  const clusterIPs = s.strings('clusterIPs') ?? [];
  const ipsPath = s.path('clusterIPs');
  const literal = go(goStringSlice(clusterIPs));
  if (clusterIP) {
    if (clusterIPs.length === 0) requireField(errs, ipsPath);
    else if (clusterIPs[0] !== clusterIP) errs.push(invalid(ipsPath, literal, 'first value must match `clusterIP`'));
  } else if (clusterIPs.length) {
    errs.push(invalid(ipsPath, literal, 'must be empty when `clusterIP` is not specified'));
  }
  const families = s.strings('ipFamilies') ?? [];
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(notSupported(index(s.path('ipFamilies'), i), f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(duplicate(index(s.path('ipFamilies'), i), f));
    seen.add(f);
  });
  const policy = s.str('ipFamilyPolicy');
  if (policy !== undefined && !FAMILY_POLICIES.includes(policy)) errs.push(notSupported(s.path('ipFamilyPolicy'), policy, FAMILY_POLICIES));
  let bad = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        bad = true;
        errs.push(invalid(ipsPath, literal, "'None' must be the first and only value"));
      }
      return;
    }
    bad = !validateIp(errs, ip, index(ipsPath, i)) || bad;
  });
  if (clusterIPs.length > 2) errs.push(invalid(ipsPath, literal, 'may only hold up to 2 values'));
  if (bad) return;
  if (clusterIPs.length === 2 && ipFamily(clusterIPs[0] ?? '') === ipFamily(clusterIPs[1] ?? '')) {
    errs.push(invalid(ipsPath, literal, 'may specify no more than one IP for each IP family'));
  }
  if (isHeadless(clusterIPs)) return;
  clusterIPs.forEach((ip, i) => {
    const family = families[i];
    if (family === 'IPv4' && ipFamily(ip) === 6) errs.push(invalid(index(ipsPath, i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
    if (family === 'IPv6' && ipFamily(ip) !== 6) errs.push(invalid(index(ipsPath, i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
  });
}

function validateExternalName(errs: Causes, s: Fields): void {
  for (const name of ['clusterIPs', 'ipFamilies']) {
    if ((s.array(name) ?? []).length) errs.push(forbidden(s.path(name), 'may not be set for ExternalName services'));
  }
  if (s.has('ipFamilyPolicy')) errs.push(forbidden(s.path('ipFamilyPolicy'), 'may not be set for ExternalName services'));
  // A CNAME may end in a dot to mark it fully qualified.
  const cname = (s.str('externalName') ?? '').replace(/\.$/, '');
  if (!cname) return requireField(errs, s.path('externalName'));
  for (const msg of dns1123SubdomainErrors(cname)) errs.push(invalid(s.path('externalName'), cname, msg));
}

/** Addresses a Service may not route to: unspecified, loopback and link-local ranges. */
export function validateNonSpecialIp(errs: Causes, ip: string, at: string): void {
  const v4 = /^(\d+)\.(\d+)\./.exec(ip);
  const [a, b] = v4 ? [Number(v4[1]), Number(v4[2])] : [NaN, NaN];
  const lower = ip.toLowerCase();
  if (ip === '0.0.0.0' || lower === '::') errs.push(invalid(at, ip, `may not be unspecified (${ip})`));
  if (a === 127 || lower === '::1') errs.push(invalid(at, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if ((a === 169 && b === 254) || /^fe[89ab]/.test(lower)) errs.push(invalid(at, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (/^224\.0\.0\./.test(ip) || lower.startsWith('ff02:')) {
    errs.push(invalid(at, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  }
}

function validateTraffic(errs: Causes, s: Fields, type: string): void {
  const externalIPs = s.strings('externalIPs') ?? [];
  const accessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  const external = s.str('externalTrafficPolicy') ?? '';
  if (!accessible && external) errs.push(invalid(s.path('externalTrafficPolicy'), external, 'may only be set for externally-accessible services'));
  if (accessible && !external) requireField(errs, s.path('externalTrafficPolicy'));
  if (accessible && external && external !== 'Cluster' && external !== 'Local') {
    errs.push(notSupported(s.path('externalTrafficPolicy'), external, ['Cluster', 'Local']));
  }
  const healthPort = s.int('healthCheckNodePort') ?? 0;
  const needsHealthCheck = type === 'LoadBalancer' && external === 'Local';
  if (!needsHealthCheck && healthPort !== 0) {
    errs.push(invalid(s.path('healthCheckNodePort'), healthPort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  if (needsHealthCheck && healthPort !== 0) for (const msg of portNumberErrors(healthPort)) errs.push(invalid(s.path('healthCheckNodePort'), healthPort, msg));
  const internal = s.str('internalTrafficPolicy');
  if (internal === undefined && ['ClusterIP', 'NodePort', 'LoadBalancer'].includes(type)) requireField(errs, s.path('internalTrafficPolicy'));
  if (internal !== undefined && internal !== 'Cluster' && internal !== 'Local') errs.push(notSupported(s.path('internalTrafficPolicy'), internal, ['Cluster', 'Local']));
  const distribution = s.str('trafficDistribution');
  if (distribution !== undefined && distribution !== 'PreferClose') errs.push(notSupported(s.path('trafficDistribution'), distribution, ['PreferClose']));
}

function validateLoadBalancerFields(errs: Causes, s: Fields, type: string): void {
  const isLB = type === 'LoadBalancer';
  const ranges = s.strings('loadBalancerSourceRanges') ?? [];
  // Kubernetes capitalises this path.
  if (ranges.length && !isLB) errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  ranges.forEach((r, i) => validateCidr(errs, r.trim(), index('spec.LoadBalancerSourceRanges', i)));
  const allocate = s.bool('allocateLoadBalancerNodePorts');
  if (allocate !== undefined && !isLB) errs.push(forbidden(s.path('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  // Kubernetes names this one without the `spec.` prefix.
  if (isLB && allocate === undefined) requireField(errs, 'allocateLoadBalancerNodePorts');
  const lbClass = s.str('loadBalancerClass');
  if (lbClass === undefined) return;
  if (!isLB) errs.push(forbidden(s.path('loadBalancerClass'), "may only be used when `type` is 'LoadBalancer'"));
  else for (const msg of qualifiedNameErrors(lbClass)) errs.push(invalid(s.path('loadBalancerClass'), lbClass, msg));
}

export function validateService(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'dns1035' });
  const s = spec(errs, o);
  if (!s.obj) return requireField(errs, 'spec.ports');
  const type = s.str('type') ?? '';
  const clusterIPs = s.strings('clusterIPs') ?? [];
  const headless = isHeadless(clusterIPs);
  if (!(s.array('ports') ?? []).length && !headless && type !== 'ExternalName') requireField(errs, s.path('ports'));
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(invalid(index(s.path('clusterIPs'), 0), 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') validateExternalName(errs, s);
  validatePorts(errs, s, type);
  if (s.has('selector')) validateLabels(errs, s.stringMap('selector'), s.path('selector'));
  validateAffinity(errs, s);
  if (type !== 'ExternalName') validateClusterIPs(errs, s);
  (s.strings('externalIPs') ?? []).forEach((ip, i) => {
    if (validateIp(errs, ip, index(s.path('externalIPs'), i))) validateNonSpecialIp(errs, ip, index(s.path('externalIPs'), i));
  });
  if (!type) requireField(errs, s.path('type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(notSupported(s.path('type'), type, SERVICE_TYPES));
  validateLoadBalancerFields(errs, s, type);
  validateTraffic(errs, s, type);
}

/** Once allocated, cluster IPs and families stay, except when a Service moves to or from ExternalName. */
export function validateServiceUpdate(errs: Causes, o: Obj, old: Obj): void {
  const now = spec([], o);
  const before = spec([], old);
  const type = now.str('type') ?? '';
  const oldType = before.str('type') ?? '';
  if (type === 'ExternalName' || oldType === 'ExternalName') return;
  const ips = now.strings('clusterIPs') ?? [];
  const oldIps = before.strings('clusterIPs') ?? [];
  if (!(isHeadless(ips) && isHeadless(oldIps))) validateClusterIPChange(errs, now, ips, oldIps);
  const lbClass = now.str('loadBalancerClass');
  if (type === 'LoadBalancer' && oldType === 'LoadBalancer' && lbClass !== before.str('loadBalancerClass')) {
    errs.push(invalid('spec.loadBalancerClass', lbClass ?? null, 'may not change once set'));
  }
  const needs = (f: Fields) => f.str('type') === 'LoadBalancer' && f.str('externalTrafficPolicy') === 'Local';
  if (needs(now) && needs(before) && (now.int('healthCheckNodePort') ?? 0) !== (before.int('healthCheckNodePort') ?? 0)) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
}

function validateClusterIPChange(errs: Causes, now: Fields, ips: string[], oldIps: string[]): void {
  const literal = go(goStringSlice(ips));
  const first = index('spec.clusterIPs', 0);
  if (ips.length === oldIps.length) {
    oldIps.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(invalid(index('spec.clusterIPs', i), literal, 'may not change once set'));
    });
  } else if (ips.length < oldIps.length) {
    if (ips.length === 0) errs.push(invalid(first, literal, 'primary clusterIP can not be unset'));
    else if (ips[0] !== oldIps[0]) errs.push(invalid(first, literal, 'may not change once set'));
    if (ips.length === 1 && now.str('ipFamilyPolicy') !== 'SingleStack') {
      errs.push(invalid('spec.ipFamilyPolicy', now.str('ipFamilyPolicy') ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIps.length > 0 && ips[0] !== oldIps[0]) {
    errs.push(invalid(first, literal, 'may not change once set'));
  }
}

/**
 * What kube-apiserver's service registry does before validating an update: a client that omits
 * the allocated cluster IPs and node ports (a plain `kubectl replace`) keeps the old ones.
 */
export function carryOverServiceAllocations(next: Obj, old: Obj): void {
  const now = next.spec;
  const before = old.spec;
  if (typeof now !== 'object' || now === null || Array.isArray(now) || typeof before !== 'object' || before === null || Array.isArray(before)) return;
  const n = now as Obj;
  const b = before as Obj;
  if (n.type === 'ExternalName') return;
  if (!n.clusterIP && b.clusterIP) n.clusterIP = b.clusterIP;
  if ((!Array.isArray(n.clusterIPs) || n.clusterIPs.length === 0) && Array.isArray(b.clusterIPs) && n.clusterIP === b.clusterIP) n.clusterIPs = b.clusterIPs;
  if (!n.ipFamilies && b.ipFamilies) n.ipFamilies = b.ipFamilies;
  if (!n.healthCheckNodePort && b.healthCheckNodePort) n.healthCheckNodePort = b.healthCheckNodePort;
}

function validateSubset(errs: Causes, ss: Fields): void {
  const addresses = ss.array('addresses') ?? [];
  const notReady = ss.array('notReadyAddresses') ?? [];
  if (!addresses.length && !notReady.length) errs.push(required(ss.at, 'must specify `addresses` or `notReadyAddresses`'));
  for (const list of ['addresses', 'notReadyAddresses']) {
    eachObject(errs, ss.array(list), ss.path(list), (a) => {
      const ip = a.str('ip') ?? '';
      validateIp(errs, ip, a.path('ip'));
      const hostname = a.str('hostname') ?? '';
      for (const msg of hostname ? dns1123LabelErrors(hostname) : []) errs.push(invalid(a.path('hostname'), hostname, msg));
      const nodeName = a.str('nodeName');
      for (const msg of nodeName !== undefined ? dns1123SubdomainErrors(nodeName) : []) errs.push(invalid(a.path('nodeName'), nodeName ?? '', msg));
      if (ipFamily(ip)) validateNonSpecialIp(errs, ip, a.path('ip'));
      else errs.push(invalid(a.path('ip'), ip, 'must be a valid IP address'));
    });
  }
  const ports = ss.array('ports') ?? [];
  eachObject(errs, ports, ss.path('ports'), (p) => {
    const name = p.str('name') ?? '';
    if (ports.length > 1 && !name) requireField(errs, p.path('name'));
    else for (const msg of name ? dns1123LabelErrors(name) : []) errs.push(invalid(p.path('name'), name, msg));
    const port = p.int('port') ?? 0;
    for (const msg of portNumberErrors(port)) errs.push(invalid(p.path('port'), port, msg));
    validateProtocol(errs, p);
    validateAppProtocol(errs, p);
  });
}

export function validateEndpoints(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const top = fields(errs, o, '');
  eachObject(errs, top.array('subsets'), top.path('subsets'), (ss) => validateSubset(errs, ss));
}
