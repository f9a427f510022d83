// The public face of server/auth: the cluster token and who a request comes from.
export { createAuthenticator, noNodes, type Authenticator, type NodeAuthenticator, type Principal } from './authenticator.ts';
export { credentialsFrom, type Credentials } from './credentials.ts';
export { caHash, ensureClusterToken, parseToken, TOKEN_FILE, type ClusterToken } from './token.ts';
