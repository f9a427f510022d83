import test from 'ava';
import type { Pod } from '../types.ts';
import { parseResolvConf, podHostsFile, podResolvConf } from './dns.ts';

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ metadata: { name: 'web-1', namespace: 'shop', uid: 'u' }, spec: { containers: [], ...spec } });
const host = parseResolvConf('# made by dhcp\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch site.example\noptions edns0\n');
const cluster = { nameserver: '10.42.3.1', domain: 'cluster.local' };

test('a ClusterFirst pod asks the node-local DNS with the namespace search path and ndots:5', (t) => {
  t.is(podResolvConf(pod(), cluster, host), 'nameserver 10.42.3.1\nsearch shop.svc.cluster.local svc.cluster.local cluster.local site.example\noptions ndots:5\n');
});

test('Default and hostNetwork pods get the node resolver; None only dnsConfig, merged by option name', (t) => {
  t.is(podResolvConf(pod({ dnsPolicy: 'Default' }), cluster, host), 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch site.example\noptions edns0\n');
  t.is(podResolvConf(pod({ hostNetwork: true }), cluster, host), 'nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch site.example\noptions edns0\n');
  const none = pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } });
  t.is(podResolvConf(none, cluster, host), 'nameserver 1.1.1.1\nsearch a.example\noptions ndots:2 rotate\n');
  const override = pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } });
  t.regex(podResolvConf(override, cluster, host), /options ndots:1\n$/);
});

test('the hosts file names the pod at its IP, with its subdomain and host aliases', (t) => {
  const text = podHostsFile(pod({ subdomain: 'web', hostAliases: [{ ip: '10.0.0.9', hostnames: ['db', 'db.local'] }] }), '10.42.3.7', 'web-1', 'cluster.local');
  t.true(text.includes('10.42.3.7\tweb-1.web.shop.svc.cluster.local\tweb-1\n'));
  t.true(text.includes('10.0.0.9\tdb\tdb.local\n'));
  t.true(text.startsWith('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n'));
});
