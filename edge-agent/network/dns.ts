// The node-local DNS server: cluster names answered from the local view (rebuilt when the
// view's Services or Endpoints change), the rest forwarded to the node's own resolvers.
import type { Logger } from '../../common/index.ts';
import { buildZone, readUpstreams, startNodeDns, type ClusterZone } from '../../network/dns/index.ts';
import type { Endpoints, Service } from '../../network/services/index.ts';
import { objectsOf, type ViewReader } from './view-inputs.ts';

export interface NodeDnsHandle {
  /** The view may have changed: rebuild the zone if its Services or Endpoints did. */
  refresh(): void;
  close(): Promise<void>;
}

export async function startDns(options: { address: string; domain: string; view: ViewReader; log: Logger }): Promise<NodeDnsHandle> {
  let key = '';
  let zone: ClusterZone | undefined;
  const refresh = () => {
    const services = objectsOf(options.view, 'services');
    const endpoints = objectsOf(options.view, 'endpoints');
    const next = JSON.stringify([services, endpoints]);
    if (next === key && zone) return;
    key = next;
    zone = buildZone({ services: services as unknown as Service[], endpoints: endpoints as unknown as Endpoints[], domain: options.domain });
  };
  refresh();
  const server = await startNodeDns({ listen: [{ address: options.address, port: 53 }], upstreams: readUpstreams(), zone: () => zone!, logger: options.log });
  options.log.info({ address: options.address, domain: options.domain }, 'node-local DNS answering');
  return { refresh, close: () => server.close() };
}
