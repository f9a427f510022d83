import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { SkerryError } from '../../../common/index.ts';
import { parseToken, TOKEN_FILE } from '../../auth/index.ts';
import { DEFAULT_SERVER_DATA_DIR } from '../../config.ts';
import { parseFlags, type Verb } from '../verb.ts';

const usage = `Usage: skerry kubeconfig [flags]

Prints a kubeconfig for kubectl: the server's CA and an admin token, read from the server's
data dir (so run it where the server runs, as root). For example:
  skerry kubeconfig > ~/.kube/config

Flags:
  --data-dir DIR   the server's state directory (default ${DEFAULT_SERVER_DATA_DIR})
  --server URL     the API address to write (default https://127.0.0.1:6443)
  --context NAME   the cluster, user and context name (default skerry)
`;

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SkerryError('DATA_DIR_UNUSABLE', `${file}: ${code} (the ${what}; has \`skerry server\` started with this --data-dir?)`, { file }, { cause: error });
  }
}

async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { 'data-dir': { type: 'string' }, server: { type: 'string' }, context: { type: 'string' } });
  if (values.help) return process.stdout.write(usage), 0;
  const dataDir = values['data-dir'] ?? DEFAULT_SERVER_DATA_DIR;
  const server = values.server ?? 'https://127.0.0.1:6443';
  if (!/^https:\/\/[^/\s]+/.test(server)) throw new SkerryError('USAGE', `--server ${JSON.stringify(server)} must be an https:// URL`, { field: '--server' });
  const name = values.context ?? 'skerry';
  const ca = readFile(path.join(dataDir, 'tls', 'server-ca.crt'), 'server CA');
  const tokenFile = path.join(dataDir, TOKEN_FILE);
  const token = parseToken(readFile(tokenFile, 'cluster token').trim(), tokenFile);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name, user: { token: token.full } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  };
  process.stdout.write(stringify(config));
  return 0;
}

export const kubeconfigVerb: Verb = { name: 'kubeconfig', summary: 'print a kubeconfig for kubectl', usage, run };
