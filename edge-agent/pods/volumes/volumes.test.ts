import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { PodPaths } from '../record.ts';
import type { ObjectSource } from '../spec/env.ts';
import type { Pod, Volume } from '../types.ts';
import { setUpVolumes, volumeMounts } from './index.ts';

function setup(t: { teardown(fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-volumes-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const paths: PodPaths = { run: path.join(dir, 'run'), state: path.join(dir, 'state'), logs: path.join(dir, 'logs') };
  return { dir, paths };
}

const objects: ObjectSource = { configMap: (_, name) => (name === 'cfg' ? { 'app.conf': Buffer.from('x=1') } : undefined), secret: () => undefined };
const pod = (volumes: Volume[]): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [], volumes } });
const facts = { hostIP: '10.0.0.1' };

test('emptyDir, hostPath with type checks and configMap volumes are set up on the host', (t) => {
  const { dir, paths } = setup(t);
  const made = path.join(dir, 'host', 'made');
  const volumes = setUpVolumes(pod([
    { name: 'scratch', emptyDir: {} },
    { name: 'made', hostPath: { path: made, type: 'DirectoryOrCreate' } },
    { name: 'file', hostPath: { path: path.join(dir, 'host', 'f'), type: 'FileOrCreate' } },
    { name: 'cfg', configMap: { name: 'cfg' } },
  ]), paths, objects, facts);
  t.is(volumes.get('scratch')!.hostPath, path.join(paths.state, 'empty-dir', 'scratch'));
  t.is(fs.statSync(volumes.get('scratch')!.hostPath).mode & 0o777, 0o777);
  t.true(fs.statSync(made).isDirectory());
  t.true(fs.statSync(path.join(dir, 'host', 'f')).isFile());
  t.deepEqual(volumes.get('cfg'), { hostPath: path.join(paths.run, 'volumes', 'configmap', 'cfg'), readOnly: true });
  t.is(fs.readFileSync(path.join(volumes.get('cfg')!.hostPath, 'app.conf'), 'utf8'), 'x=1');
  t.throws(() => setUpVolumes(pod([{ name: 'h', hostPath: { path: made, type: 'File' } }]), paths, objects, facts), { message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${made} is not a file` });
  t.throws(() => setUpVolumes(pod([{ name: 'c', persistentVolumeClaim: { claimName: 'x' } }]), paths, objects, facts), { message: /persistentvolumeclaim "x" is not mounted on this node/ });
  const claimed = setUpVolumes(pod([{ name: 'c', persistentVolumeClaim: { claimName: 'x', readOnly: true } }]), paths, objects, facts, new Map([['c', made]]));
  t.deepEqual(claimed.get('c'), { hostPath: made, readOnly: true });
});

test('volumeMounts become bind mounts; subPath stays inside its volume', (t) => {
  const { paths } = setup(t);
  const volumes = setUpVolumes(pod([{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cfg' } }]), paths, objects, facts);
  const env = new Map([['POD', 'p']]);
  const mounts = volumeMounts({ name: 'c', volumeMounts: [
    { name: 'data', mountPath: '/data' },
    { name: 'data', mountPath: '/logs', subPathExpr: 'logs/$(POD)' },
    { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
    { name: 'data', mountPath: '/ro', readOnly: true },
  ] }, volumes, env);
  const data = volumes.get('data')!.hostPath;
  t.deepEqual(mounts.map((m) => [m.destination, m.source, m.options.join(',')]), [
    ['/data', data, 'rbind,rprivate'],
    ['/logs', path.join(data, 'logs', 'p'), 'rbind,rprivate'],
    ['/etc/app.conf', fs.realpathSync(path.join(volumes.get('cfg')!.hostPath, 'app.conf')), 'rbind,rprivate,ro'],
    ['/ro', data, 'rbind,rprivate,ro'],
  ]);
  t.true(fs.statSync(path.join(data, 'logs', 'p')).isDirectory(), 'a missing subPath is made in a writable volume');
  fs.symlinkSync('/etc', path.join(data, 'escape'));
  const refused = (subPath: string) => t.throws(() => volumeMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/x', subPath }] }, volumes, env));
  t.regex(refused('escape')!.message, /leaves its volume/);
  t.regex(refused('../state')!.message, /must be a relative path without '\.\.'/);
  t.regex(t.throws(() => volumeMounts({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, volumes, env))!.message, /cannot find volume "nope" to mount into container "c"/);
});
