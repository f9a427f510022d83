// skerry token create|list|revoke: join tokens for agents, as `k3s token` and `kubeadm token`.
// The verb talks to the API like the other client verbs: a token is a bootstrap-token Secret
// in kube-system, so kubectl sees and deletes the same objects.
import { SkerryError } from '../../../common/index.ts';
import { caHash } from '../../auth/index.ts';
import {
  BOOTSTRAP_NAMESPACE,
  BOOTSTRAP_TOKEN_TYPE,
  bootstrapTokenName,
  bootstrapTokenSecret,
  formatJoinToken,
  generateBootstrapToken,
  parseDuration,
  readBootstrapTokenSecret,
  rfc3339,
  tokenIdOf,
  type BootstrapToken,
} from '../../join/index.ts';
import { connectionFrom, request, serverError, type Connection } from '../client/connection.ts';
import { printTable } from '../client/table.ts';
import { parseFlags, verbGroup, type Verb } from '../verb.ts';

const CONNECTION_FLAGS = {
  kubeconfig: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

const CONNECTION_HELP = `  --kubeconfig FILE     kubeconfig (default $KUBECONFIG, ~/.kube/config, else the local server's data dir)
  --data-dir DIR        the local server's data dir, instead of a kubeconfig
`;

const SECRETS = `/api/v1/namespaces/${BOOTSTRAP_NAMESPACE}/secrets`;

/**
 * The sha256 of the CA PEM as the server serves it at /cacerts: the bytes the server hashes
 * too, fetched over the connection that already trusts that CA.
 */
async function serverCaHash(connection: Connection): Promise<string> {
  const answer = await request(connection, 'GET', '/cacerts', { accept: 'application/x-pem-file' });
  if (answer.status !== 200) throw serverError(answer);
  return caHash(answer.body);
}

const createUsage = `Usage: skerry token create [flags]

Creates a join token for agents and prints it (K10<CA hash>::<id>.<secret>).

Flags:
  --ttl DURATION        how long the token is valid: 24h (default), 90m, 1h30m; 0 never expires
  --description TEXT    what the token is for, shown by skerry token list
${CONNECTION_HELP}`;

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { ttl: { type: 'string' }, description: { type: 'string' }, ...CONNECTION_FLAGS }, true);
  if (values.help) return process.stdout.write(createUsage), 0;
  if (positionals.length > 0) throw new SkerryError('USAGE', `token create takes no arguments; got ${positionals.join(' ')}`);
  const ttl = parseDuration(values.ttl ?? '24h');
  if (ttl === undefined) throw new SkerryError('USAGE', `--ttl ${JSON.stringify(values.ttl)} must be a duration such as 24h, 90m, 1h30m or 0`, { field: '--ttl' });
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const hash = await serverCaHash(connection);
  const token: Omit<BootstrapToken, 'usages'> = generateBootstrapToken();
  if (ttl > 0) token.expires = new Date(Date.now() + ttl);
  if (values.description) token.description = values.description;
  const answer = await request(connection, 'POST', SECRETS, { body: JSON.stringify(bootstrapTokenSecret(token)) });
  if (answer.status !== 201 && answer.status !== 200) throw serverError(answer);
  process.stdout.write(`${formatJoinToken(hash, token)}\n`);
  return 0;
}

const listUsage = `Usage: skerry token list [flags]

Lists the join tokens, as kubeadm token list does; TOKEN is the whole token an agent joins with.

Flags:
${CONNECTION_HELP}`;

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, CONNECTION_FLAGS, true);
  if (values.help) return process.stdout.write(listUsage), 0;
  if (positionals.length > 0) throw new SkerryError('USAGE', `token list takes no arguments; got ${positionals.join(' ')}`);
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const hash = await serverCaHash(connection);
  const answer = await request(connection, 'GET', `${SECRETS}?fieldSelector=${encodeURIComponent(`type=${BOOTSTRAP_TOKEN_TYPE}`)}`);
  if (answer.status !== 200) throw serverError(answer);
  const items = (JSON.parse(answer.body) as { items: Parameters<typeof readBootstrapTokenSecret>[0][] }).items;
  const tokens = items.flatMap((secret) => readBootstrapTokenSecret(secret) ?? []);
  process.stdout.write(tokenTable(tokens, hash, new Date()));
  return 0;
}

/** kubeadm's columns; a token without expiry is <forever>/<never>, an expired one <invalid>. */
export function tokenTable(tokens: BootstrapToken[], hash: string, now: Date): string {
  const columns = ['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION'].map((name) => ({ name, priority: 0 }));
  const rows = tokens.map((t) => ({
    cells: [
      formatJoinToken(hash, t),
      t.expires ? shortHumanDuration(t.expires.getTime() - now.getTime()) : '<forever>',
      t.expires ? rfc3339(t.expires) : '<never>',
      t.usages.join(','),
      t.description ?? '<none>',
    ],
  }));
  return printTable({ columnDefinitions: columns, rows }, { wide: false, withNamespace: false });
}

/** apimachinery's duration.ShortHumanDuration, which kubeadm's TTL column uses. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 365 * 8) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

const revokeUsage = `Usage: skerry token revoke ID|TOKEN... [flags]

Deletes join tokens, named by id, <id>.<secret> or the whole token. Nodes that joined with a
token keep their own credentials; a revoked token joins no new node.

Flags:
${CONNECTION_HELP}`;

async function revoke(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, CONNECTION_FLAGS, true);
  if (values.help) return process.stdout.write(revokeUsage), 0;
  if (positionals.length === 0) throw new SkerryError('USAGE', 'token revoke needs a token id or a token');
  const ids = positionals.map((text) => {
    const id = tokenIdOf(text);
    if (!id) throw new SkerryError('USAGE', 'a token is named by its id (6 characters [a-z0-9]), <id>.<secret> or K10<hash>::<id>.<secret>');
    return id;
  });
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  for (const id of ids) {
    const answer = await request(connection, 'DELETE', `${SECRETS}/${bootstrapTokenName(id)}`);
    if (answer.status === 404) throw new SkerryError('API_ERROR', `bootstrap token "${id}" not found`, { status: 404 });
    if (answer.status !== 200 && answer.status !== 202) throw serverError(answer);
    process.stdout.write(`bootstrap token "${id}" deleted\n`);
  }
  return 0;
}

export const tokenVerb: Verb = verbGroup('token', 'create, list and revoke join tokens for agents', 'Join tokens let agents join the cluster (skerry agent --token TOKEN); they are bootstrap-token Secrets in kube-system.', [
  { name: 'create', summary: 'create a join token and print it', usage: createUsage, run: create },
  { name: 'list', summary: 'list join tokens', usage: listUsage, run: list },
  { name: 'revoke', summary: 'delete join tokens', usage: revokeUsage, run: revoke },
]);
