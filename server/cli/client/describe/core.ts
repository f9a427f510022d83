// kubectl describe service and namespace.
import { describeEvents } from './events.ts';
import { formatLabels, num, obj, objs, printAnnotations, printLabels, rfc1123z, str, type Json } from './format.ts';
import { DescribeWriter } from './writer.ts';

const joinHostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/**
 * formatEndpoints: up to three ready addresses of the port's name, then "+ N more...". kubectl
 * 1.31 reads them from EndpointSlices, which skerry does not serve (so kubectl prints "<none>");
 * the Endpoints object holds the same ready addresses, so skerry reads those.
 */
export function formatEndpoints(endpoints: Json | undefined, portName: string): string {
  const subsets = objs(endpoints?.subsets);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const subset of subsets) {
    const addresses = objs(subset.addresses).map((a) => str(a.ip));
    const ports = objs(subset.ports);
    // A headless service may have no ports: its endpoints are bare addresses.
    const shown = ports.length === 0 ? [addresses] : ports.filter((p) => str(p.name) === portName).map((p) => addresses.map((ip) => joinHostPort(ip, num(p.port))));
    for (const entries of shown) {
      count += entries.length;
      for (const entry of entries) if (list.length < 3) list.push(entry);
    }
  }
  const text = list.join(',');
  return count > 3 ? `${text} + ${count - 3} more...` : text;
}

function ports(w: DescribeWriter, service: Json, endpoints: Json | undefined): void {
  for (const port of objs(obj(service.spec).ports)) {
    const name = str(port.name) || '<unset>';
    const protocol = str(port.protocol) || 'TCP';
    w.write(0, `Port:\t${name}\t${num(port.port)}/${protocol}\n`);
    w.write(0, `TargetPort:\t${str(port.targetPort ?? port.port)}/${protocol}\n`);
    if (str(port.appProtocol)) w.write(0, `AppProtocol:\t${str(port.appProtocol)}\n`);
    if (num(port.nodePort) !== 0) w.write(0, `NodePort:\t${name}\t${num(port.nodePort)}/${protocol}\n`);
    w.write(0, `Endpoints:\t${formatEndpoints(endpoints, str(port.name))}\n`);
  }
}

export function describeService(service: Json, endpoints: Json | undefined, events: Json[] | undefined, now: Date): string {
  const w = new DescribeWriter();
  const metadata = obj(service.metadata);
  const spec = obj(service.spec);
  const list = (value: unknown) => (Array.isArray(value) ? value.map(str) : []);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  w.write(0, `Namespace:\t${str(metadata.namespace)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(0, `Type:\t${str(spec.type)}\n`);
  if (str(spec.ipFamilyPolicy)) w.write(0, `IP Family Policy:\t${str(spec.ipFamilyPolicy)}\n`);
  w.write(0, `IP Families:\t${list(spec.ipFamilies).join(',') || '<none>'}\n`);
  w.write(0, `IP:\t${str(spec.clusterIP)}\n`);
  w.write(0, `IPs:\t${list(spec.clusterIPs).join(',') || '<none>'}\n`);
  if (list(spec.externalIPs).length > 0) w.write(0, `External IPs:\t${list(spec.externalIPs).join(',')}\n`);
  if (str(spec.loadBalancerIP)) w.write(0, `Desired LoadBalancer IP:\t${str(spec.loadBalancerIP)}\n`);
  if (str(spec.externalName)) w.write(0, `External Name:\t${str(spec.externalName)}\n`);
  const ingress = objs(obj(obj(service.status).loadBalancer).ingress);
  if (ingress.length > 0) w.write(0, `LoadBalancer Ingress:\t${ingress.map((i) => (str(i.ip) ? `${str(i.ip)}${str(i.ipMode) ? ` (${str(i.ipMode)})` : ''}` : str(i.hostname))).join(', ')}\n`);
  ports(w, service, endpoints);
  w.write(0, `Session Affinity:\t${str(spec.sessionAffinity)}\n`);
  if (str(spec.externalTrafficPolicy)) w.write(0, `External Traffic Policy:\t${str(spec.externalTrafficPolicy)}\n`);
  if (str(spec.internalTrafficPolicy)) w.write(0, `Internal Traffic Policy:\t${str(spec.internalTrafficPolicy)}\n`);
  if (num(spec.healthCheckNodePort) !== 0) w.write(0, `HealthCheck NodePort:\t${num(spec.healthCheckNodePort)}\n`);
  if (list(spec.loadBalancerSourceRanges).length > 0) w.write(0, `LoadBalancer Source Ranges:\t${list(spec.loadBalancerSourceRanges).join(',')}\n`);
  if (str(spec.trafficDistribution)) w.write(0, `Traffic Distribution:\t${str(spec.trafficDistribution)}\n`);
  describeEvents(w, events, now);
  return w.toString();
}

/** kubectl describe namespace; skerry serves no ResourceQuota or LimitRange, so kubectl prints neither section. */
export function describeNamespace(namespace: Json): string {
  const w = new DescribeWriter();
  const metadata = obj(namespace.metadata);
  const status = obj(namespace.status);
  w.write(0, `Name:\t${str(metadata.name)}\n`);
  printLabels(w, 'Labels', metadata.labels);
  printAnnotations(w, 'Annotations', metadata.annotations);
  w.write(0, `Status:\t${str(status.phase)}\n`);
  const conditions = objs(status.conditions);
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n');
    w.write(1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t------------------\t------\t-------\n');
    for (const c of conditions) w.write(1, `${str(c.type)}\t${str(c.status)}\t${rfc1123z(c.lastTransitionTime)}\t${str(c.reason)}\t${str(c.message)}\n`);
  }
  return w.toString();
}
