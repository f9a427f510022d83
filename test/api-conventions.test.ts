// Kubernetes API conventions over real HTTPS: discovery, Status errors, bad bodies, watch
// streaming with bookmarks, 410 after compaction, Tables.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import test from 'ava';
import { startServer, tempDir, type ServerProcess } from './helpers/skerry.ts';

let server: ServerProcess;
let dir: string;
let ca: string;
let token: string;

test.before(async () => {
  dir = tempDir('api-conventions');
  server = await startServer(path.join(dir, 'server'));
  ca = fs.readFileSync(path.join(dir, 'server', 'tls', 'server-ca.crt'), 'utf8');
  token = fs.readFileSync(path.join(dir, 'server', 'token'), 'utf8').trim();
});

test.after.always(() => {
  server?.child.kill('SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
}

function call(method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: server.port, path: urlPath, method, ca, servername: 'localhost', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.end(body);
  });
}

test.serial('discovery lists groups, resources with short names, and subresources', async (t) => {
  const api = await call('GET', '/api');
  t.deepEqual(api.json.versions, ['v1']);
  const groups = await call('GET', '/apis');
  t.true(groups.json.groups.some((g: { name: string }) => g.name === 'apps'));
  const core = await call('GET', '/api/v1');
  const pods = core.json.resources.find((r: { name: string }) => r.name === 'pods');
  t.like(pods, { singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'] });
  t.true(core.json.resources.some((r: { name: string }) => r.name === 'pods/status'));
  const apps = await call('GET', '/apis/apps/v1');
  t.like(apps.json.resources.find((r: { name: string }) => r.name === 'deployments/scale'), { kind: 'Scale', group: 'autoscaling', version: 'v1' });
  const unauthenticated = await call('GET', '/api/v1/pods', undefined, { Authorization: 'Bearer nope' });
  t.is(unauthenticated.status, 401);
  t.like(unauthenticated.json, { kind: 'Status', reason: 'Unauthorized', code: 401 });
});

test.serial('bad bodies get a 4xx Status at once and store nothing', async (t) => {
  const collection = '/api/v1/namespaces/default/configmaps';
  const before = (await call('GET', collection)).json.items.length;
  const malformed = await call('POST', collection, '{"metadata": {');
  t.is(malformed.status, 400);
  t.like(malformed.json, { kind: 'Status', reason: 'BadRequest' });
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const started = Date.now();
  const bomb = await call('POST', collection, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${laughs.join('\n')}\n`, { 'Content-Type': 'application/yaml' });
  t.is(bomb.status, 400, bomb.body);
  t.true(Date.now() - started < 2000);
  const huge = await call('POST', collection, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { x: 'y'.repeat(4 * 1024 * 1024) } }));
  t.is(huge.status, 413);
  const deep = await call('POST', collection, `${'['.repeat(5000)}${']'.repeat(5000)}`);
  t.is(deep.status, 400);
  const wrongType = await call('POST', collection, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'typed' }, data: ['not', 'a', 'map'] }));
  t.is(wrongType.status, 422, wrongType.body);
  t.like(wrongType.json, { reason: 'Invalid', details: { name: 'typed', kind: 'ConfigMap' } });
  t.true(wrongType.json.details.causes.length > 0);
  const wrongKind = await call('POST', collection, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } }));
  t.is(wrongKind.status, 400);
  const unknown = await call('GET', '/apis/example.com/v1/widgets');
  t.is(unknown.status, 404);
  t.is((await call('GET', collection)).json.items.length, before);
});

test.serial('a watch sends headers at once and streams events; a Table has the ConfigMap columns', async (t) => {
  const collection = '/api/v1/namespaces/default/configmaps';
  const created = await call('POST', collection, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1' } }));
  t.is(created.status, 201);
  const rv = created.json.metadata.resourceVersion as string;
  const events: Array<{ type: string; object: any }> = [];
  const headersAt = await new Promise<number>((resolve, reject) => {
    const started = Date.now();
    const req = https.request({ host: '127.0.0.1', port: server.port, path: `${collection}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`, ca, servername: 'localhost', headers: { Authorization: `Bearer ${token}` } }, (res) => {
      resolve(Date.now() - started);
      let buffer = '';
      res.on('data', (d: Buffer) => {
        buffer += d;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, newline)));
          buffer = buffer.slice(newline + 1);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  t.true(headersAt < 1000, `headers after ${headersAt} ms`);
  await call('POST', collection, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w2' } }));
  await call('DELETE', `${collection}/w1`);
  const deadline = Date.now() + 5000;
  while (events.filter((e) => e.type !== 'BOOKMARK').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w2', 'DELETED w1']);

  const table = await call('GET', collection, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  t.is(table.json.kind, 'Table');
  t.deepEqual(table.json.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Data', 'Age']);
});
