// What NetworkPolicy enforcement reads (the node's local view) and the plain data it compiles
// that view into. The inputs arrive as JSON, so every field is checked before it is trusted.

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

/** networking.k8s.io/v1 NetworkPolicy, the fields enforcement reads. */
export interface NetworkPolicy {
  metadata: { namespace?: string; name?: string };
  spec: NetworkPolicySpec;
}

export interface PodContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

/** A pod anywhere in the cluster, as the node's view knows it. */
export interface PolicyPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ips: string[];
  ports: PodContainerPort[];
  /** A host-network pod has the node's addresses: policies neither select it nor count it as a peer. */
  hostNetwork?: boolean;
}

export interface PolicyNamespace {
  name: string;
  labels: Record<string, string>;
}

export interface PolicyInput {
  policies: NetworkPolicy[];
  /** Every pod the node knows, local or not: peers are resolved from all of them. */
  pods: PolicyPod[];
  namespaces: PolicyNamespace[];
  /** The addresses of this node's own pods: only they get their ingress and egress enforced here. */
  localPodIps: string[];
}

export type Direction = 'ingress' | 'egress';
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** Inclusive port range of one protocol; a single port has first === last. */
export interface PortRange {
  protocol: Protocol;
  first: number;
  last: number;
}

/** A named port resolved on the pod that receives the connection: its address, protocol and number. */
export interface NamedPort {
  ip: string;
  protocol: Protocol;
  port: number;
}

/** Which destination ports a rule allows. */
export interface CompiledPorts {
  ranges: PortRange[];
  /** Present when the rule names ports: each resolved on the receiving pod (empty when none resolves). */
  named?: NamedPort[];
}

/** Which peers a rule allows. */
export interface CompiledPeers {
  /** Present when a peer selects pods: their addresses, sorted (empty when none matches yet). */
  pods?: string[];
  /** Present when a peer is an ipBlock: address ranges ("a-b" or one address), excepts cut out. */
  blocks?: string[];
}

/** One ingress or egress rule; an absent part allows everything of that kind. */
export interface CompiledRule {
  peers?: CompiledPeers;
  ports?: CompiledPorts;
}

/** One policy's rules for one direction: a chain of its own in nft. */
export interface PolicyChain {
  /** namespace/name */
  policy: string;
  direction: Direction;
  rules: CompiledRule[];
}

/** A local pod address and the policy chains that decide it; an absent direction is not isolated. */
export interface PodVerdict {
  /** namespace/name */
  pod: string;
  ingress?: string[];
  egress?: string[];
}

/** What compilePolicy makes: plain data, the input of applyPolicy. */
export interface PolicyPlan {
  /** Local pod address → its verdict, for the pods at least one policy isolates. */
  pods: Record<string, PodVerdict>;
  /** Policy chain name → its rules, for the policies that select at least one local pod. */
  chains: Record<string, PolicyChain>;
  /** Inputs left out or narrowed, each naming the object, the field and the reason. */
  problems: string[];
}
