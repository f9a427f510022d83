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
}
