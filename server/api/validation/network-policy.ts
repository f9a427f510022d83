import { forbidden, invalid, notSupported, required, requireField, type Causes } from './errors.ts';
import { go, goStringSlice } from './gofmt.ts';
import { isStrictSubnet, parseCidr, validateCidr } from './ip.ts';
import { eachObject, type Fields, type Obj } from './json.ts';
import { readLabelSelector } from './labels.ts';
import { validateObjectMeta } from './metadata.ts';
import { portNameErrors, portNumberErrors } from './names.ts';
import { spec } from './workloads.ts';

/** NetworkPolicies: selectors, peers, ports and CIDR blocks. */

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

function validatePort(errs: Causes, p: Fields): void {
  const protocol = p.str('protocol');
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) errs.push(notSupported(p.path('protocol'), protocol, PROTOCOLS));
  const port = p.intOrString('port');
  const endPort = p.int('endPort');
  if (port === undefined) {
    if (endPort !== undefined) errs.push(invalid(p.path('endPort'), endPort, 'may not be specified when `port` is not specified'));
    return;
  }
  if (typeof port === 'string') {
    if (endPort !== undefined) errs.push(invalid(p.path('endPort'), endPort, 'may not be specified when `port` is non-numeric'));
    for (const msg of portNameErrors(port)) errs.push(invalid(p.path('port'), port, msg));
    return;
  }
  for (const msg of portNumberErrors(port)) errs.push(invalid(p.path('port'), port, msg));
  if (endPort === undefined) return;
  if (endPort < port) errs.push(invalid(p.path('endPort'), endPort, 'must be greater than or equal to `port`'));
  for (const msg of portNumberErrors(endPort)) errs.push(invalid(p.path('endPort'), endPort, msg));
}

function validateIpBlock(errs: Causes, b: Fields): void {
  const cidr = b.str('cidr') ?? '';
  if (!cidr) return requireField(errs, b.path('cidr'));
  if (!validateCidr(errs, cidr, b.path('cidr'))) return;
  const outer = parseCidr(cidr);
  (b.strings('except') ?? []).forEach((except, i) => {
    const at = `${b.path('except')}[${i}]`;
    if (!validateCidr(errs, except, at)) return;
    const inner = parseCidr(except);
    if (outer && inner && !isStrictSubnet(inner, outer)) errs.push(invalid(at, except, 'must be a strict subset of `cidr`'));
  });
}

function validatePeer(errs: Causes, peer: Fields): void {
  const kinds = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer.has(k));
  if (peer.has('podSelector')) readLabelSelector(errs, peer.raw('podSelector'), peer.path('podSelector'));
  if (peer.has('namespaceSelector')) readLabelSelector(errs, peer.raw('namespaceSelector'), peer.path('namespaceSelector'));
  if (peer.has('ipBlock')) validateIpBlock(errs, peer.fields('ipBlock'));
  if (kinds.length === 0) errs.push(required(peer.at, 'must specify a peer'));
  else if (kinds.length > 1 && kinds.includes('ipBlock')) errs.push(forbidden(peer.at, 'may not specify both ipBlock and another peer'));
}

function validateRules(errs: Causes, s: Fields, direction: 'ingress' | 'egress'): void {
  const peers = direction === 'ingress' ? 'from' : 'to';
  eachObject(errs, s.array(direction), s.path(direction), (rule) => {
    eachObject(errs, rule.array('ports'), rule.path('ports'), (p) => validatePort(errs, p));
    eachObject(errs, rule.array(peers), rule.path(peers), (peer) => validatePeer(errs, peer));
  });
}

export function validateNetworkPolicy(errs: Causes, o: Obj): void {
  validateObjectMeta(errs, o.metadata, { namespaced: true, name: 'subdomain' });
  const s = spec(errs, o);
  readLabelSelector(errs, s.raw('podSelector'), s.path('podSelector'));
  validateRules(errs, s, 'ingress');
  validateRules(errs, s, 'egress');
  const types = s.strings('policyTypes') ?? [];
  if (types.length > POLICY_TYPES.length) {
    // Upstream passes &spec.PolicyTypes; field errors print what a pointer points to.
    return void errs.push(invalid(s.path('policyTypes'), go(goStringSlice(types, '[]networking.PolicyType')), 'may not specify more than two policyTypes'));
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(notSupported(`${s.path('policyTypes')}[${i}]`, t, POLICY_TYPES));
  });
}
