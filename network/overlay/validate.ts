// Bad input is refused before anything is read or changed, with the field and the reason.
import fs from 'node:fs';
import { SkerryError } from '../../common/index.ts';
import { overlaps, parseCidr, parseIpv4, type Cidr } from '../host/index.ts';
import type { ForwardingConfig, OverlayConfig, OverlayPeer } from './types.ts';

function invalid(field: string, reason: string): SkerryError {
  return new SkerryError('CONFIG_INVALID', `${field}: ${reason}`, { field });
}

function ipv4(field: string, value: unknown): number {
  const parsed = typeof value === 'string' ? parseIpv4(value) : undefined;
  if (parsed === undefined) throw invalid(field, `${JSON.stringify(value)} is not an IPv4 address`);
  return parsed;
}

function cidr(field: string, value: unknown, maxPrefix = 32): Cidr {
  if (typeof value !== 'string') throw invalid(field, `${JSON.stringify(value)} is not an IPv4 CIDR`);
  const parsed = parseCidr(value);
  if (typeof parsed === 'string') throw invalid(field, parsed);
  if (parsed.prefixLength > maxPrefix) throw invalid(field, `"${value}" is smaller than a /${maxPrefix}: it has no room for a gateway and pods`);
  return parsed;
}

/** A `netns` option: absent (the current namespace) or an existing namespace file. */
export function checkNetns(value: unknown): void {
  netns('netns', value);
}

function netns(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !value.startsWith('/')) throw invalid(field, `${JSON.stringify(value)} is not an absolute path to a network namespace file`);
  if (!fs.existsSync(value)) throw invalid(field, `${value} does not exist`);
}

export interface CheckedConfig {
  nodeIp: number;
  podCidr: Cidr;
}

export function checkOverlayConfig(config: OverlayConfig): CheckedConfig {
  if (typeof config !== 'object' || config === null) throw invalid('config', 'is not an object');
  const checked = { nodeIp: ipv4('nodeIp', config.nodeIp), podCidr: cidr('podCidr', config.podCidr, 30) };
  if (config.mode !== undefined && config.mode !== 'auto' && config.mode !== 'vxlan') throw invalid('mode', `${JSON.stringify(config.mode)} is not 'auto' or 'vxlan'`);
  netns('netns', config.netns);
  return checked;
}

export interface CheckedPeer {
  name: string;
  podCidr: Cidr;
  nodeIp: number;
}

/** The peers, parsed; two peers (or a peer and this node) sharing a name, node IP or pod addresses are refused. */
export function checkPeers(peers: OverlayPeer[], self: CheckedConfig): CheckedPeer[] {
  if (!Array.isArray(peers)) throw invalid('peers', 'is not an array');
  const checked: CheckedPeer[] = [];
  peers.forEach((peer, i) => {
    const field = `peers[${i}]`;
    if (typeof peer !== 'object' || peer === null) throw invalid(field, 'is not an object');
    if (typeof peer.name !== 'string' || peer.name === '') throw invalid(`${field}.name`, 'is empty or not a string');
    const next = { name: peer.name, podCidr: cidr(`${field}.podCidr`, peer.podCidr, 30), nodeIp: ipv4(`${field}.nodeIp`, peer.nodeIp) };
    if (next.nodeIp === self.nodeIp) throw invalid(`${field}.nodeIp`, `${peer.nodeIp} is this node's own address`);
    if (overlaps(next.podCidr, self.podCidr)) throw invalid(`${field}.podCidr`, `${peer.podCidr} overlaps this node's pod CIDR`);
    checked.forEach((other, j) => {
      if (other.name === next.name) throw invalid(`${field}.name`, `"${peer.name}" is also the name of peers[${j}]`);
      if (other.nodeIp === next.nodeIp) throw invalid(`${field}.nodeIp`, `${peer.nodeIp} is also the node IP of peers[${j}] (${other.name})`);
      if (overlaps(other.podCidr, next.podCidr)) throw invalid(`${field}.podCidr`, `${peer.podCidr} overlaps the pod CIDR of peers[${j}] (${other.name})`);
    });
    checked.push(next);
  });
  return checked;
}

export interface CheckedForwarding {
  clusterCidr: Cidr;
  podCidr: Cidr;
}

export function checkForwardingConfig(config: ForwardingConfig): CheckedForwarding {
  if (typeof config !== 'object' || config === null) throw invalid('config', 'is not an object');
  const checked = { clusterCidr: cidr('clusterCidr', config.clusterCidr), podCidr: cidr('podCidr', config.podCidr, 30) };
  const inside = checked.podCidr.prefixLength >= checked.clusterCidr.prefixLength && overlaps(checked.podCidr, checked.clusterCidr);
  if (!inside) throw invalid('podCidr', `${config.podCidr} is not inside the cluster CIDR ${config.clusterCidr}`);
  netns('netns', config.netns);
  return checked;
}
