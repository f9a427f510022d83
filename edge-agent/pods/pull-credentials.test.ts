import test from 'ava';
import type { Pod } from './types.ts';
import { pullAuthFor } from './pull-credentials.ts';

const pod = (secrets: string[]): Pod => ({ metadata: { name: 'p', namespace: 'shop', uid: 'u' }, spec: { containers: [], imagePullSecrets: secrets.map((name) => ({ name })) } });
const config = (auths: Record<string, unknown>) => ({ '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })) });
const objects = (secrets: Record<string, Record<string, Buffer>>) => ({ configMap: () => undefined, secret: (_ns: string, name: string) => secrets[name] });
const node = { host: '10.0.0.5:6443', username: 'gw-1', password: 'node-secret' };

test('a pull secret for the registry comes first, by host, from username/password or auth', (t) => {
  const source = objects({
    a: config({ 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } }),
    b: config({ 'registry.example:5000': { username: 'u', password: 'p' } }),
  });
  const auth = pullAuthFor(pod(['a', 'b']), source, node);
  t.deepEqual(auth('docker.io'), { username: 'hub', password: 'pw' });
  t.deepEqual(auth('registry.example:5000'), { username: 'u', password: 'p' });
  t.is(auth('other.example'), undefined);
});

test('the node’s own credential answers for the server’s registry; a missing or garbled secret names nothing', (t) => {
  const auth = pullAuthFor(pod(['missing', 'garbled']), objects({ garbled: { '.dockerconfigjson': Buffer.from('{not json') } }), node);
  t.deepEqual(auth('10.0.0.5:6443'), { username: 'gw-1', password: 'node-secret' });
  t.is(auth('10.0.0.5:5000'), undefined);
});
