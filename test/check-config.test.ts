import test from 'ava';
import { runSkerry } from './helpers/skerry.ts';

const isRoot = process.getuid?.() === 0;

interface Feature {
  group: string;
  name: string;
  status: 'present' | 'missing' | 'degraded';
  detail: string;
  remedy?: string;
}

const EXPECTED = [
  'native addon', 'pid namespace', 'mount namespace', 'uts namespace', 'ipc namespace', 'net namespace',
  'cgroup namespace', 'user namespace', 'overlayfs', 'cgroup layout', 'memory controller', 'cpu controller',
  'pids controller', 'ip', 'nft', 'veth links', 'bridge links', 'vxlan links', 'nftables', 'seccomp filters',
  'pidfd', 'resource limits',
];

(isRoot ? test : test.skip)('check-config tries every feature and finds them all on this host (needs root)', async (t) => {
  const result = await runSkerry(['check-config', '-o', 'json']);
  const { features } = JSON.parse(result.stdout) as { features: Feature[] };
  for (const name of EXPECTED) t.truthy(features.find((f) => f.name === name), `reports ${name}`);
  const missing = features.filter((f) => f.status === 'missing');
  t.deepEqual(missing, [], 'nothing required is missing on a prepared host');
  t.is(result.code, 0);
  const layout = features.find((f) => f.name === 'cgroup layout')!;
  t.regex(layout.detail, /^(v1|v2|hybrid): /);
  const limits = features.find((f) => f.name === 'resource limits')!;
  t.regex(limits.detail, /nofile hard=\d+/);
});

test('check-config exits 1 and names the Debian packages when host tools are missing', async (t) => {
  const result = await runSkerry(['check-config'], { env: { PATH: '/nonexistent' } });
  t.is(result.code, 1);
  t.regex(result.stdout, /- ip: missing \(ip not found on PATH \(Debian package iproute2\)\)/);
  t.regex(result.stdout, /- nft: missing/);
  t.regex(result.stdout, /\nMissing:\n(- .*\n)*- nft: Debian package nftables\n/);
  t.regex(result.stdout, /- vxlan links: missing/);
});

test('check-config refuses an unknown output format with exit 2', async (t) => {
  const result = await runSkerry(['check-config', '-o', 'yaml']);
  t.is(result.code, 2);
  t.regex(result.stderr, /-o "yaml" must be text or json/);
});
