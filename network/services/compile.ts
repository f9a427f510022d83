// From the node's view to the rules it needs: one entry per (Service, port) that has a
// ClusterIP, plain data that the nft layer turns into chains and map elements. Headless and
// ExternalName Services get no rules; sessionAffinity is not honoured (every connection is
// balanced on its own), nor are externalIPs, loadBalancer ingress addresses or the Local
// traffic policies.
import { parseIpv4 } from '../host/index.ts';
import type { Endpoints, Service } from './kube.ts';
import { notIPv4, notIPv4Cidr } from './checks.ts';
import { localView, type Endpoint } from './view.ts';

export type L4 = 'tcp' | 'udp' | 'sctp';

export interface ServicePortRule {
  /** `<namespace>/<name>/<protocol>/<port name or number>`: stable across changes of the same port. */
  key: string;
  protocol: L4;
  clusterIP: string;
  port: number;
  nodePort?: number;
  /** Ready endpoints, sorted; empty means connections are rejected. */
  endpoints: Endpoint[];
}

export interface ServiceRules {
  clusterCidr: string;
  nodeIps: string[];
  ports: ServicePortRule[];
  /** Objects left out, each naming the object, the field and the reason. */
  problems: string[];
}

export interface CompileInput {
  services: Service[];
  endpoints: Endpoints[];
  /** The node's own addresses, where NodePorts answer; empty means every local address but loopback. */
  nodeIps: string[];
  /** The pods' CIDR: connections to a ClusterIP from outside it are masqueraded so replies come back through the node. */
  clusterCidr: string;
}

function checkInput({ nodeIps, clusterCidr }: CompileInput): void {
  if (!Array.isArray(nodeIps)) throw new TypeError('nodeIps: is not a list');
  nodeIps.forEach((ip, i) => {
    const why = notIPv4(ip);
    if (why) throw new TypeError(`nodeIps[${i}]: ${why}`);
  });
  const why = notIPv4Cidr(clusterCidr);
  if (why) throw new TypeError(`clusterCidr: ${why}`);
}

const PROTOCOL_NUMBER: Record<L4, number> = { tcp: 0, udp: 1, sctp: 2 };

/** Who holds each (address, protocol, port) and each (protocol, nodePort): numbers, not strings, for speed. */
function claims(problems: string[]) {
  const taken = new Map<number, string>();
  return (what: number, key: string, describe: () => string): boolean => {
    const owner = taken.get(what);
    if (owner === undefined) taken.set(what, key);
    else problems.push(`Service ${key.split('/').slice(0, 2).join('/')}: ${describe()} is already used by ${owner}; left out`);
    return owner === undefined;
  };
}

/** The rules for every Service port of the view, in a stable order; conflicting ones are reported and left out. */
export function compileServices(input: CompileInput): ServiceRules {
  checkInput(input);
  const view = localView(input);
  const problems = [...view.problems];
  const ports: ServicePortRule[] = [];
  const claim = claims(problems);
  for (const service of view.services) {
    const clusterIP = service.clusterIP;
    if (!clusterIP) continue;
    const address = parseIpv4(clusterIP)!; // the view checked it
    for (const port of service.ports) {
      const protocol = port.protocol.toLowerCase() as L4;
      const key = `${service.namespace}/${service.name}/${protocol}/${port.name || port.port}`;
      const slot = (PROTOCOL_NUMBER[protocol] * 65536 + port.port) * 2 ** 32 + address;
      if (!claim(slot, key, () => `${clusterIP} ${protocol} port ${port.port}`)) continue;
      const rule: ServicePortRule = { key, protocol, clusterIP, port: port.port, endpoints: port.endpoints };
      const nodePort = port.nodePort;
      // Negative slots for NodePorts: they never meet the ClusterIP ones.
      if (nodePort !== undefined && claim(-(PROTOCOL_NUMBER[protocol] * 65536 + nodePort) - 1, key, () => `${protocol} nodePort ${nodePort}`)) rule.nodePort = nodePort;
      ports.push(rule);
    }
  }
  return { clusterCidr: input.clusterCidr, nodeIps: [...new Set(input.nodeIps)].sort(), ports, problems };
}
