// Sync through Debian's real Mosquitto, started from the configuration the server writes:
// a node joins (the server adds its user and makes Mosquitto reload), and Mosquitto killed
// with -9 in the middle of a stream of changes loses nothing — correctness never rests on
// the broker keeping messages (DESIGN §5).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { agentView, api, freePort, pod, startAgentProcess, startClusterServer, waitForReadyNode, waitUntil } from './helpers/cluster.ts';
import { tempDir } from './helpers/skerry.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';

function startMosquitto(config: string): { child: ChildProcess; exited: Promise<void>; output: () => string } {
  const child = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d));
  return { child, exited: new Promise((resolve) => child.on('close', () => resolve())), output: () => output };
}

test('through Mosquitto, killed -9 mid-stream and restarted, the node ends with exactly the server’s view', async (t) => {
  if (!fs.existsSync(MOSQUITTO)) return t.fail(`${MOSQUITTO} is missing; scripts/setup.sh installs Debian's mosquitto`);
  const dir = tempDir('sync-mosquitto');
  const brokerPort = await freePort();
  const brokers: Array<ReturnType<typeof startMosquitto>> = [];
  const server = await startClusterServer(path.join(dir, 'server'), ['--broker', `mqtts://127.0.0.1:${brokerPort}`]);
  const agent = startAgentProcess(server, 'edge-q', path.join(dir, 'edge-q'), ['--keepalive', '2']);
  t.teardown(async () => {
    await agent.stop('SIGKILL');
    server.stop();
    for (const b of brokers) b.child.kill('SIGKILL');
    await Promise.all(brokers.map((b) => b.exited));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const config = path.join(server.dataDir, 'mqtt', 'mosquitto.conf');
  t.true(fs.existsSync(config), 'the server wrote a Mosquitto configuration');
  brokers.push(startMosquitto(config));
  await waitForReadyNode(server, 'edge-q', 30_000).catch((error: unknown) => {
    t.log(brokers[0]!.output());
    t.log(agent.logs().slice(-10).map((l) => JSON.stringify(l)).join('\n'));
    t.log(server.process.stderr().split('\n').filter((l) => !l.includes('"level":30')).slice(-10).join('\n'));
    throw error;
  });

  const create = (i: number) => api(server, 'POST', '/api/v1/namespaces/default/pods', pod(`q${i}`, 'edge-q'));
  for (let i = 0; i < 30; i++) await create(i);
  brokers[0]!.child.kill('SIGKILL');
  await brokers[0]!.exited;
  for (let i = 30; i < 60; i++) await create(i);
  brokers.push(startMosquitto(config));
  for (let i = 0; i < 60; i += 4) await api(server, 'DELETE', `/api/v1/namespaces/default/pods/q${i}?gracePeriodSeconds=0`);

  const list = await api(server, 'GET', '/api/v1/namespaces/default/pods');
  const want = (list.body.items as Array<{ metadata: { name: string } }>).map((p) => `pods/default/${p.metadata.name}`).sort();
  t.is(want.length, 45);
  await waitUntil('the node’s pods equal the server’s', () => {
    const got = [...agentView(agent.dataDir).entries.keys()].filter((k) => k.startsWith('pods/')).sort();
    return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
  }, 30_000);
  t.pass();
});
