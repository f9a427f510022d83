import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { parseUpstream, readUpstreams } from './upstreams.ts';

test('upstreams are addresses with an optional port, IPv4 or IPv6', (t) => {
  t.deepEqual(parseUpstream('192.168.1.1', 'u'), { address: '192.168.1.1', port: 53 });
  t.deepEqual(parseUpstream('127.0.0.1:5353', 'u'), { address: '127.0.0.1', port: 5353 });
  t.deepEqual(parseUpstream('::1', 'u'), { address: '::1', port: 53 });
  t.deepEqual(parseUpstream('[fd00::53]:5300', 'u'), { address: 'fd00::53', port: 5300 });
  t.deepEqual(parseUpstream('fe80::1%eth0', 'u'), { address: 'fe80::1%eth0', port: 53 });
  t.throws(() => parseUpstream('dns.google', 'upstreams[2]'), { message: 'upstreams[2]: "dns.google" is not an IP address with an optional port (1.2.3.4, 1.2.3.4:53, [::1]:53)' });
  t.throws(() => parseUpstream('1.2.3.4:70000', 'u'), { message: /^u: "1.2.3.4:70000" is not/ });
});

test('readUpstreams takes the nameserver lines of a resolv.conf in order, and says which file it cannot read', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-dns-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'resolv.conf');
  fs.writeFileSync(file, '# generated\nsearch example.com\nnameserver 10.0.0.2\nnameserver fd00::53 # v6\n; nameserver 10.0.0.9\nnameserver not-an-ip\noptions ndots:2\nnameserver 10.0.0.3\n');
  t.deepEqual(readUpstreams(file), ['10.0.0.2', 'fd00::53', '10.0.0.3']);
  t.throws(() => readUpstreams(path.join(dir, 'missing')), { message: `cannot read the upstream resolvers from ${path.join(dir, 'missing')}: ENOENT` });
});
