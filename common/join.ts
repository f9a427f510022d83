// The join exchange on the wire (POST /v1-skerry/join), shared by the server that answers it
// and the agent that asks, so the two cannot drift apart.

export interface JoinRequest {
  nodeName: string;
  nodePassword: string;
}

export interface JoinAnswer {
  nodeName: string;
  credential: { username: string; password: string };
  broker: { url: string };
  api: { url: string };
  /** The gRPC tunnel the node dials for log and exec streams (absent from servers before it). */
  tunnel?: { url: string };
  /** The cluster's address plan (absent from servers before the pod network). */
  network?: ClusterNetwork;
}

/** What every node must agree on to address pods and Services (K3s' --cluster-cidr, --service-cidr, --cluster-domain). */
export interface ClusterNetwork {
  clusterCidr: string;
  serviceCidr: string;
  clusterDomain: string;
}

export const DEFAULT_CLUSTER_NETWORK: ClusterNetwork = { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' };
