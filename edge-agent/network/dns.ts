// The node-local DNS server: cluster names answered from the local view (the zone is rebuilt
// when the Services and Endpoints a reconcile pass read have changed), the rest forwarded to
// the node's own resolvers.
import type { Logger } from '../../common/index.ts';
import { buildZone, readUpstreams, startNodeDns, type ClusterZone } from '../../network/dns/index.ts';
import type { ServiceInputs } from './view-inputs.ts';

export interface NodeDnsHandle {
  /** What the last pass read: the zone is rebuilt when it changed. */
  refresh(inputs: ServiceInputs): void;
  close(): Promise<void>;
}

export async function startDns(options: { address: string; domain: string; inputs: ServiceInputs; log: Logger }): Promise<NodeDnsHandle> {
  let signature = '';
  let zone: ClusterZone | undefined;
  const refresh = (inputs: ServiceInputs) => {
    if (zone && inputs.signature === signature) return;
    signature = inputs.signature;
    zone = buildZone({ services: inputs.services, endpoints: inputs.endpoints, domain: options.domain });
  };
  refresh(options.inputs);
  const server = await startNodeDns({ listen: [{ address: options.address, port: 53 }], upstreams: readUpstreams(), zone: () => zone!, logger: options.log });
  options.log.info({ address: options.address, domain: options.domain }, 'node-local DNS answering');
  return { refresh, close: () => server.close() };
}
