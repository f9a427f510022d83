// The public face of edge-agent/join: an agent joins a cluster once and then lives on what
// it kept (docs/adr/007-joining-nodes.md).
import os from 'node:os';
import { componentLogger, SkerryError } from '../../common/index.ts';
import { isNodeName } from '../../common/sync/index.ts';
import { fetchCaCerts, postJoin, readJoinAnswer } from './http.ts';
import { ensureNodePassword, readIdentity, writeIdentity, type NodeIdentity } from './state.ts';
import { parsePinnedToken, sha256Hex } from './token.ts';

export { ensureNodePassword, readIdentity, CA_FILE, IDENTITY_FILE, NODE_PASSWORD_FILE, type NodeIdentity } from './state.ts';
export { parsePinnedToken } from './token.ts';

const log = componentLogger('agent-join');

export interface JoinOptions {
  /** The server's HTTPS URL (https://host:6443). */
  serverUrl: string;
  token: string;
  /** Default: this host's name, lower-cased. */
  nodeName?: string;
  dataDir: string;
  /** Join again even when an identity for this server and name is kept (a rotated CA, a re-issued credential). */
  refresh?: boolean;
}

/**
 * The node's identity: the one kept in the data dir for this server and name, so an agent
 * restarted while the server is out of reach starts from local state; else a fresh join,
 * pinned to the CA whose hash the token carries.
 */
export async function joinCluster(options: JoinOptions): Promise<NodeIdentity> {
  const server = serverBase(options.serverUrl);
  const nodeName = options.nodeName ?? defaultNodeName();
  if (!isNodeName(nodeName)) throw new SkerryError('CONFIG_INVALID', `node name ${JSON.stringify(nodeName)} must be a lowercase RFC 1123 subdomain ([a-z0-9], '-' and '.', at most 253 characters); pass --node-name`, { field: '--node-name' });
  if (!options.refresh) {
    const kept = readIdentity(options.dataDir, server.href, nodeName);
    if (kept) return kept;
  }
  const token = parsePinnedToken(options.token);
  const nodePassword = ensureNodePassword(options.dataDir);
  const caPem = await pinnedCa(server, token.caHash);
  const answer = readJoinAnswer(server, await postJoin(server, caPem, token.full, { nodeName, nodePassword }));
  const tunnel = typeof answer.tunnel?.url === 'string' ? { tunnel: { url: answer.tunnel.url } } : {};
  const network = answer.network && typeof answer.network.clusterCidr === 'string' ? { network: answer.network } : {};
  const identity: NodeIdentity = { nodeName: answer.nodeName, credential: answer.credential, broker: answer.broker, apiUrl: answer.api?.url ?? server.origin, ...tunnel, ...network, caPem };
  writeIdentity(options.dataDir, server.href, identity);
  log.info({ server: server.origin, node: nodeName, broker: identity.broker.url }, 'joined the cluster');
  return identity;
}

/** The host name, lower-cased, as a node name; refused with a hint when it cannot be one. */
export function defaultNodeName(): string {
  const name = os.hostname().toLowerCase();
  if (!isNodeName(name)) throw new SkerryError('CONFIG_INVALID', `this host's name ${JSON.stringify(name)} cannot be a node name (a lowercase RFC 1123 subdomain); pass --node-name`, { field: '--node-name' });
  return name;
}

/** The server's CA, only when its sha256 is the token's: otherwise nothing more is sent. */
async function pinnedCa(server: URL, wantHash: string): Promise<string> {
  const answer = await fetchCaCerts(server);
  if (answer.status !== 200) throw new SkerryError('API_ERROR', `the server at ${server.origin} did not hand out its CA (GET /cacerts answered ${answer.status})`, { server: server.origin });
  const got = sha256Hex(answer.body);
  if (got !== wantHash) {
    throw new SkerryError(
      'CONFIG_INVALID',
      `CA hash mismatch: the server at ${server.origin} presents a CA with sha256 ${got}, but the token pins ${wantHash}; it is another cluster or something in between is impersonating it, so no credential was sent`,
      { server: server.origin },
    );
  }
  return answer.body.toString('utf8');
}

/** The URL with a trailing slash, so that the join paths resolve under it. */
function serverBase(serverUrl: string): URL {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new SkerryError('CONFIG_INVALID', `--server ${JSON.stringify(serverUrl)} is not a URL such as https://server:6443`, { field: '--server' });
  }
  if (url.protocol !== 'https:') throw new SkerryError('CONFIG_INVALID', `--server ${JSON.stringify(serverUrl)} must be an https:// URL`, { field: '--server' });
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}
