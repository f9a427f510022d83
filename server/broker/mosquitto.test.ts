import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { mosquittoAcl, reloadMosquitto, writeMosquittoConfig, type MosquittoConfigOptions } from './mosquitto.ts';
import { verifyMosquittoPasswordLine } from './mosquitto-passwd.ts';

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-mosquitto-conf-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function options(users: MosquittoConfigOptions['users']): MosquittoConfigOptions {
  return { listen: { host: '127.0.0.1', port: 8883 }, tls: { caFile: '/tls/ca.crt', certFile: '/tls/s.crt', keyFile: '/tls/s.key' }, users };
}

const USERS = [
  { username: 'skerry-server', password: 'server-secret' },
  { username: 'node-a', password: 'a-secret' },
];

test('the ACL file is the topic table: own subtree for nodes, all up/presence and down/head for the server', (t) => {
  const lines = mosquittoAcl().split('\n').filter((l) => l && !l.startsWith('#'));
  t.deepEqual(lines, [
    'pattern read skerry/v1/nodes/%u/down',
    'pattern read skerry/v1/nodes/%u/head',
    'pattern write skerry/v1/nodes/%u/up',
    'pattern write skerry/v1/nodes/%u/presence',
    'user skerry-server',
    'topic read skerry/v1/nodes/+/up',
    'topic read skerry/v1/nodes/+/presence',
    'topic write skerry/v1/nodes/+/down',
    'topic write skerry/v1/nodes/+/head',
  ]);
});

test('the config has the guards, and every file is 0600', (t) => {
  const dir = path.join(tempDir(t), 'mosquitto');
  const files = writeMosquittoConfig(dir, options(USERS));
  const conf = fs.readFileSync(files.configFile, 'utf8').split('\n');
  for (const line of ['per_listener_settings false', 'allow_anonymous false', `password_file ${files.passwordFile}`, `acl_file ${files.aclFile}`, 'set_tcp_nodelay true', 'persistence false', 'max_queued_messages 1000', 'listener 8883 127.0.0.1', 'cafile /tls/ca.crt', 'certfile /tls/s.crt', 'keyfile /tls/s.key']) {
    t.true(conf.includes(line), line);
  }
  // A listener option: before the listener line it would open a default listener on 1883.
  t.true(conf.indexOf('use_username_as_clientid true') > conf.indexOf('listener 8883 127.0.0.1'));
  for (const file of [files.configFile, files.passwordFile, files.aclFile]) t.is(fs.statSync(file).mode & 0o777, 0o600, file);
  t.true(conf.includes(`pid_file ${files.pidFile}`), 'Mosquitto writes its pid where the server looks for it');
  t.is(fs.readFileSync(files.aclFile, 'utf8'), mosquittoAcl());
});

test('the password file holds one verifiable line per user', (t) => {
  const files = writeMosquittoConfig(tempDir(t), options(USERS));
  const lines = fs.readFileSync(files.passwordFile, 'utf8').trimEnd().split('\n');
  t.is(lines.length, 2);
  t.true(verifyMosquittoPasswordLine(lines[0]!, 'skerry-server', 'server-secret'));
  t.true(verifyMosquittoPasswordLine(lines[1]!, 'node-a', 'a-secret'));
});

test('user names that could inject into the files are refused, and nothing is written', (t) => {
  const dir = path.join(tempDir(t), 'never');
  for (const username of ['node-a\nuser skerry-server', 'a:b', '+', '#', 'node/x', 'Node-A', '', 'a b', '%u']) {
    t.throws(() => writeMosquittoConfig(dir, options([{ username, password: 'x' }])), { code: 'CONFIG_INVALID' as never }, JSON.stringify(username));
  }
  t.false(fs.existsSync(dir));
});

test('bad listeners, paths, passwords and duplicate users are refused', (t) => {
  const dir = tempDir(t);
  const bad: MosquittoConfigOptions[] = [
    { ...options(USERS), listen: { host: '127.0.0.1', port: 0 } },
    { ...options(USERS), listen: { host: '127.0.0.1\nlistener 1883', port: 8883 } },
    { ...options(USERS), tls: { caFile: 'relative/ca.crt', certFile: '/s.crt', keyFile: '/s.key' } },
    { ...options(USERS), tls: { caFile: '/ca.crt\nallow_anonymous true', certFile: '/s.crt', keyFile: '/s.key' } },
    options([{ username: 'node-a', password: '' }]),
    options([...USERS, { username: 'node-a', password: 'again' }]),
    { ...options(USERS), runAsUser: 'root\nallow_anonymous true' },
  ];
  for (const opts of bad) t.throws(() => writeMosquittoConfig(dir, opts), { code: 'CONFIG_INVALID' as never });
  t.throws(() => writeMosquittoConfig('relative', options(USERS)), { code: 'CONFIG_INVALID' as never });
});

test('reloadMosquitto refuses pids that would signal a process group', (t) => {
  for (const pid of [0, -1, 1.5, Number.NaN]) t.throws(() => reloadMosquitto(pid), { code: 'CONFIG_INVALID' as never });
});
