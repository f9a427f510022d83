import test from 'ava';
import { forwardingRuleset } from './forwarding.ts';

test('the forwarding table is replaced whole in one transaction: accept the cluster, masquerade pods leaving it', (t) => {
  const rules = forwardingRuleset('10.42.0.0/16', '10.42.3.0/24');
  // Adding the table first makes the delete valid on a node that has none yet.
  t.regex(rules, /^table inet skerry-fw\ndelete table inet skerry-fw\ntable inet skerry-fw \{/);
  t.regex(rules, /type filter hook forward priority filter; policy accept;\n\s+ip saddr 10\.42\.0\.0\/16 accept\n\s+ip daddr 10\.42\.0\.0\/16 accept/);
  t.regex(rules, /type nat hook postrouting priority srcnat; policy accept;\n\s+ip saddr 10\.42\.3\.0\/24 ip daddr != 10\.42\.0\.0\/16 masquerade/);
});
