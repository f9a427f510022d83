// A real object store (SQLite in a temp dir, Kubernetes admission, kube-system present) for
// the join unit tests: tokens and node records are plain Secrets, so the tests go through
// the same validation the server applies.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../storage/kv/index.ts';
import { createApi, type ObjectStore } from '../api/index.ts';
import { createAuthenticator } from '../auth/index.ts';

export const CLUSTER_TOKEN = { full: `K10${'a'.repeat(64)}::server:${'0'.repeat(64)}`, secret: '0'.repeat(64) };

export async function objectStore(t: { teardown(fn: () => void | Promise<void>): void }): Promise<ObjectStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-join-'));
  const kv = openSqliteStore({ file: path.join(dir, 'state.db') });
  t.teardown(async () => {
    await kv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const api = await createApi({ kv, authenticator: createAuthenticator(CLUSTER_TOKEN), serverAddress: '127.0.0.1:6443' });
  return api.objects;
}
