// The public face of server/join: join tokens, node passwords, node credentials and the
// join endpoint (docs/adr/007-joining-nodes.md).
import type { ClusterNetwork } from '../../common/index.ts';
import type { ClusterToken } from '../auth/index.ts';
import type { ObjectStore } from '../api/index.ts';
import type { PrefixRoute } from '../http/router.ts';
import { createNodeCredentials, type NodeCredentials } from './credentials.ts';
import { joinRoutes } from './http.ts';
import type { BrokerUrlFor, TunnelUrlFor } from './request.ts';

export {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  bootstrapTokenName,
  bootstrapTokenSecret,
  formatJoinToken,
  generateBootstrapToken,
  isExpired,
  parseDuration,
  parseJoinToken,
  readBootstrapTokenSecret,
  rfc3339,
  tokenIdOf,
  type BootstrapToken,
  type ParsedToken,
} from './bootstrap-token.ts';
export { createToken, DEFAULT_TOKEN_TTL_MS, listTokens, revokeToken, sweepExpiredTokens, type CreateTokenOptions } from './tokens.ts';
export { admitNode, hashNodePassword, NODE_PASSWORD_TYPE, nodePasswordSecretName, verifyNodePassword } from './node-password.ts';
export { createNodeCredentials, type MqttPrincipal, type NodeCredentials } from './credentials.ts';
export { brokerUrlResolver, JOIN_PATH, parseJoinRequest, tunnelUrlResolver, type BrokerUrlFor, type JoinAnswer, type JoinRequest, type TunnelUrlFor } from './request.ts';
export { CACERTS_PATH, joinRoutes, type JoinDeps } from './http.ts';

export interface JoinOptions {
  objects: ObjectStore;
  clusterToken: Pick<ClusterToken, 'full' | 'secret'>;
  caPem: string;
  brokerUrlFor: BrokerUrlFor;
  tunnelUrlFor?: TunnelUrlFor;
  network?: ClusterNetwork;
  now?: () => Date;
}

export interface Join {
  /** Node credentials for HTTP (a NodeAuthenticator) and MQTT. */
  credentials: NodeCredentials;
  /** GET /cacerts and POST /v1-skerry/join, for createRouter's `prefixes`. */
  routes: PrefixRoute[];
}

/** The join component: one credentials checker shared by the endpoint and every listener. */
export function createJoin(options: JoinOptions): Join {
  const credentials = createNodeCredentials(options.objects, options.clusterToken.secret);
  return { credentials, routes: joinRoutes({ ...options, credentials }) };
}
