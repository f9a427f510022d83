// Services in nftables (ADR 011): ClusterIP and NodePort for the node's local view, kept in
// table `inet skerry` with maps and sets and changed by deltas.
export { compileServices, type CompileInput, type L4, type ServicePortRule, type ServiceRules } from './compile.ts';
export { applyServices, removeServices, type ApplyResult, type NetnsOption } from './apply.ts';
export { NftError } from './nft.ts';
export { localView, type AddressView, type Endpoint, type LocalView, type PortView, type Protocol, type ServiceType, type ServiceView, type ViewInput } from './view.ts';
export type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Service, ServicePort, ServiceSpec } from './kube.ts';
