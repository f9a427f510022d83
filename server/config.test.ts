import test from 'ava';
import { parseBrokerUrl, parseDatastore, parseHostPort } from './config.ts';

test('listen addresses accept HOST:PORT, [IPv6]:PORT and :PORT', (t) => {
  t.deepEqual(parseHostPort('127.0.0.1:6443', '--listen'), { host: '127.0.0.1', port: 6443 });
  t.deepEqual(parseHostPort('[::1]:8443', '--listen'), { host: '::1', port: 8443 });
  t.deepEqual(parseHostPort(':6443', '--listen'), { host: '0.0.0.0', port: 6443 });
});

test('bad listen addresses name the flag and the reason', (t) => {
  for (const bad of ['6443', 'host:', 'host:99999', 'a:b:c']) {
    t.throws(() => parseHostPort(bad, '--listen'), { code: 'USAGE' as never, message: /--listen .* must be HOST:PORT/ });
  }
});

test('the datastore defaults to sqlite in the data dir; etcd is refused clearly', (t) => {
  t.deepEqual(parseDatastore(undefined, '/d'), { kind: 'sqlite', file: '/d/db/state.db' });
  t.deepEqual(parseDatastore('sqlite:///x/y.db', '/d'), { kind: 'sqlite', file: '/x/y.db' });
  t.throws(() => parseDatastore('etcd://127.0.0.1:2379', '/d'), { code: 'CONFIG_INVALID' as never });
  t.throws(() => parseDatastore('postgres://x', '/d'), { code: 'USAGE' as never });
});

test('broker URLs must be MQTT URLs', (t) => {
  t.is(parseBrokerUrl('mqtt://127.0.0.1:1883'), 'mqtt://127.0.0.1:1883');
  t.is(parseBrokerUrl(undefined), undefined);
  t.throws(() => parseBrokerUrl('127.0.0.1:1883'), { code: 'USAGE' as never, message: /--broker/ });
});
