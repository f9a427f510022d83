// NetworkPolicy enforcement on a node (ADR 011): the node's local view compiled into plain data,
// then programmed into nft table `inet skerry-policy` incrementally.
export { compilePolicy } from './compile.ts';
export { applyPolicy, deletePolicyTable, type ApplyOptions, type ApplyResult } from './apply.ts';
export { isAllowed, type Connection } from './allowed.ts';
export type {
  CompiledPeers,
  CompiledPorts,
  CompiledRule,
  Direction,
  IPBlock,
  LabelSelector,
  NamedPort,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
  PodContainerPort,
  PodVerdict,
  PolicyChain,
  PolicyInput,
  PolicyNamespace,
  PolicyPlan,
  PolicyPod,
  PortRange,
  Protocol,
} from './types.ts';
