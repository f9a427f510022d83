// Service: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE; wide SELECTOR. Endpoints: NAME ENDPOINTS AGE.
import type { KubeObject } from '../objects/types.ts';
import { ageColumn, column, nameColumn, wide } from './columns.ts';
import { serviceDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { arr, at, int, obj, objs, str, type JsonObject } from './fields.ts';
import { compareStrings, formatLabels } from './format.ts';
import type { Printer } from './printer.ts';

export const servicePrinter: Printer = {
  columns: [
    nameColumn,
    column('Type', 'string', serviceDocs.type),
    column('Cluster-IP', 'string', serviceDocs.clusterIP),
    column('External-IP', 'string', serviceDocs.externalIPs),
    column('Port(s)', 'string', serviceDocs.ports),
    ageColumn,
    wide('Selector', 'string', serviceDocs.selector),
  ],
  cells(service, { now }) {
    const spec = obj(service.spec);
    return [
      str(service.metadata.name),
      serviceType(spec),
      str(arr(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>',
      externalIP(service),
      portsCell(spec) || '<none>',
      since(service.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

// Stored services are defaulted to ClusterIP; the default here keeps unstored objects readable.
function serviceType(spec: JsonObject): string {
  return str(spec.type) || 'ClusterIP';
}

function externalIP(service: KubeObject): string {
  const spec = obj(service.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (serviceType(spec)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = loadBalancerIngress(service);
      if (externalIPs.length > 0) return [...ingress, ...externalIPs].join(',');
      return ingress.length > 0 ? ingress.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/**
 * The load balancer's IPs (or hostnames), sorted and unique. Not cut to 16 characters: that is
 * the non-wide client-side form, and the server always prints wide.
 */
function loadBalancerIngress(service: KubeObject): string[] {
  const entries = objs(at(service.status, 'loadBalancer', 'ingress')).map((i) => str(i.ip) || str(i.hostname));
  return [...new Set(entries.filter((e) => e !== ''))].sort(compareStrings);
}

/** "80/TCP,443:30443/TCP": port, node port when allocated, protocol. */
function portsCell(spec: JsonObject): string {
  return objs(spec.ports)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      const nodePort = int(p.nodePort);
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn, column('Endpoints', 'string', serviceDocs.endpointSubsets), ageColumn],
  cells(endpoints, { now }) {
    return [str(endpoints.metadata.name), endpointsCell(endpoints), since(endpoints.metadata.creationTimestamp, now)];
  },
};

const SHOWN_ENDPOINTS = 3;

/** "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...": every address for every port, the first three shown. */
function endpointsCell(endpoints: KubeObject): string {
  const subsets = objs(endpoints.subsets);
  if (subsets.length === 0) return '<none>';
  const all: string[] = [];
  for (const subset of subsets) {
    const ips = objs(subset.addresses).map((a) => str(a.ip));
    const ports = objs(subset.ports);
    // A headless service's subsets may have no ports: the bare IPs are listed.
    if (ports.length === 0) all.push(...ips);
    for (const port of ports) all.push(...ips.map((ip) => hostPort(ip, int(port.port))));
  }
  const shown = all.slice(0, SHOWN_ENDPOINTS).join(',');
  return all.length > SHOWN_ENDPOINTS ? `${shown} + ${all.length - SHOWN_ENDPOINTS} more...` : shown;
}

/** net.JoinHostPort: IPv6 addresses go in brackets. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
