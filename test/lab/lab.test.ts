// The lab itself, on the kernel: hosts on one underlay (and one behind its router), faults
// that stop and slow traffic and come undone, processes in namespaces, tmpfs, destroy, and
// the sweeper removing the lab of a test process killed with -9.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { createLab, labUnavailable, sweepLabs, type Lab } from './index.ts';
import { REGISTRY_DIR } from './registry.ts';

const run = promisify(execFile);
const tool = (name: string) => ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].map((d) => `${d}/${name}`).find((p) => fs.existsSync(p));
const IP = tool('ip') ?? 'ip';
const IPERF = tool('iperf3');
const why = labUnavailable();
const kTest = why ? test.skip : test.serial;
if (why) {
  test(`lab kernel tests skipped: ${why}`, (t) => {
    t.log(why);
    t.pass();
  });
}

let lab: Lab | undefined;

test.before(async () => {
  if (why) return;
  lab = await createLab({ nodes: [{}, { wire: true }, { wire: true, segment: 1 }] });
});

test.after.always(async () => {
  await lab?.destroy();
});

/** Robust to the odd late reply on a busy machine (the wire is a userspace process). */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const reaches = async (from: Parameters<Lab['ping']>[0], to: string) => (await lab!.ping(from, to, { count: 2, intervalMs: 50, waitMs: 600 })).received > 0;
const hostLinks = async () => (await run(IP, ['-o', 'link'])).stdout;
/** Gone, or a zombie: killed, but its parent (pid 1 for an orphan) has not reaped it yet. */
function isDead(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

kTest('hosts reach each other over the underlay bridge, and across its router; the host namespace gets nothing', async (t) => {
  const { server, nodes } = { server: lab!.server!, nodes: lab!.nodes };
  for (const node of nodes) t.true(await reaches(node, server.ip), `${node.name} → server`);
  t.true(await reaches(nodes[2]!, nodes[0]!.ip), 'segment 1 → segment 0 through the underlay');
  t.is(nodes[2]!.ip, '10.99.1.12');
  const links = await hostLinks();
  for (const name of ['p-n0', 'p-n1', 'p-server', lab!.id]) t.false(links.includes(name), `no ${name} in the host's links`);
  t.false((await run(IP, ['-o', 'addr'])).stdout.includes('10.99.'), 'no lab address in the host namespace');
  const [eth0] = JSON.parse((await run(IP, ['-n', nodes[1]!.netns, '-d', '-j', 'link', 'show', 'eth0'])).stdout) as Array<{ mtu: number; linkinfo?: { info_kind: string } }>;
  t.is(eth0!.mtu, 1500);
  t.is(eth0!.linkinfo?.info_kind, 'tun', 'a wire node\'s eth0 is a TAP device');
});

kTest('partition stops traffic and heal restores it: link down and nft drop, veth and wire nodes, and the server', async (t) => {
  const { server, nodes } = { server: lab!.server!, nodes: lab!.nodes };
  for (const node of [nodes[0]!, nodes[1]!]) {
    for (const mode of ['link', 'drop'] as const) {
      await lab!.partition(node, mode);
      t.false(await reaches(node, server.ip), `${node.name} cut (${mode})`);
      t.true(await reaches(nodes[2]!, server.ip), `the others still reach the server while ${node.name} is cut`);
      if (!node.wire) {
        const flags = (await run(IP, ['-n', node.netns, '-o', 'link', 'show', 'eth0'])).stdout;
        t.is(flags.includes('NO-CARRIER'), mode === 'link', `a veth node sees its carrier go only with a pulled link (${mode})`);
      }
      await lab!.heal(node);
      t.true(await reaches(node, server.ip), `${node.name} healed (${mode})`);
    }
  }
  await lab!.partition(server, 'drop');
  await lab!.partition(server, 'link');
  t.false(await reaches(nodes[0]!, server.ip));
  await lab!.heal(server);
  t.true(await reaches(nodes[0]!, server.ip), 'heal undoes both partitions at once');
});

kTest('impair: delay adds to the round trip (both directions), jitter spreads it, clearing restores it', async (t) => {
  const [node, server] = [lab!.nodes[1]!, lab!.server!];
  const base = median((await lab!.ping(node, server.ip, { count: 10, intervalMs: 20 })).rtts);
  await lab!.impair(node, { delayMs: 40 });
  const delayed = await lab!.ping(node, server.ip, { count: 10, intervalMs: 50 });
  t.is(delayed.received, 10);
  t.log(`RTT ${base.toFixed(2)} ms → median ${median(delayed.rtts).toFixed(2)} ms with 40 ms each way (min ${Math.min(...delayed.rtts)}, max ${Math.max(...delayed.rtts)})`);
  // The wire's timers may fire a fraction of a millisecond early; a reply before 79 ms would be a real miss.
  t.true(Math.min(...delayed.rtts) >= 79, 'no reply before 2 × 40 ms');
  t.true(median(delayed.rtts) < 80 + base + 20, 'and mostly not much after');
  await lab!.impair(node, { delayMs: 40, jitterMs: 20, direction: 'up' });
  await lab!.impair(node, { direction: 'down' });
  const jittered = (await lab!.ping(node, server.ip, { count: 30, intervalMs: 30 })).rtts;
  t.log(`jitter: ${Math.min(...jittered)}..${Math.max(...jittered)} ms`);
  t.true(Math.min(...jittered) >= 20, 'one way of at least 40 − 20 ms');
  t.true(Math.max(...jittered) < 60 + 40, 'and at most 40 + 20 ms, with room for a busy machine');
  t.true(Math.max(...jittered) - Math.min(...jittered) > 10, 'spread by the jitter');
  await lab!.impair(node, {});
  t.true(median((await lab!.ping(node, server.ip, { count: 5, intervalMs: 20 })).rtts) < base + 10, 'cleared');
});

kTest('impair: loss drops about the given share of frames', async (t) => {
  const [node, server] = [lab!.nodes[1]!, lab!.server!];
  const before = await lab!.wireStats(node);
  await lab!.impair(node, { lossPercent: 25, direction: 'up' });
  const result = await lab!.ping(node, server.ip, { count: 400, intervalMs: 4, waitMs: 1_000 });
  await lab!.impair(node, {});
  const after = await lab!.wireStats(node);
  const share = 1 - result.received / result.sent;
  const dropped = after.up.dropped - before.up.dropped;
  const passed = after.up.frames - before.up.frames;
  t.log(`25 % loss up: ${(share * 100).toFixed(1)} % of pings lost; the wire dropped ${dropped} of ${dropped + passed} frames`);
  t.true(share > 0.15 && share < 0.35, `ping loss ${share}`);
  t.true(dropped / (dropped + passed) > 0.15 && dropped / (dropped + passed) < 0.35);
  t.is(after.down.dropped - before.down.dropped, 0, 'the other direction is untouched');
});

const iperfTest = IPERF && !why ? test.serial : test.skip;
iperfTest(`impair: rate limits throughput; spawn, kill9 and restart a server in a netns${IPERF ? '' : ' (skipped: needs iperf3)'}`, async (t) => {
  const [node, server] = [lab!.nodes[1]!, lab!.server!];
  const iperfServer = lab!.spawn(server, [IPERF!, '-s', '-B', server.ip], { stdio: 'ignore' });
  const measure = async () => {
    for (let attempt = 0; ; attempt++) {
      const out = await lab!.exec(node, [IPERF!, '-c', server.ip, '-t', '3', '-J'], { allowFailure: true, timeoutMs: 20_000 });
      if (out.code === 0) return (JSON.parse(out.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1000;
      if (attempt > 100) throw new Error(`iperf3 client (code ${out.code}): ${out.stdout.slice(0, 2000)} ${out.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server is still starting
    }
  };
  await lab!.impair(node, { rateKbit: 2_000 });
  const limited = await measure();
  t.log(`2000 kbit/s rate: iperf3 received ${limited.toFixed(0)} kbit/s`);
  t.true(limited > 1_500 && limited < 2_100, `${limited} kbit/s`);
  await lab!.kill9(iperfServer);
  t.is(iperfServer.child.signalCode, 'SIGKILL');
  const firstPid = iperfServer.pid;
  await lab!.restart(iperfServer);
  t.not(iperfServer.pid, firstPid);
  await lab!.impair(node, {});
  const free = await measure();
  t.log(`no rate: ${(free / 1000).toFixed(0)} Mbit/s through the python wire`);
  t.true(free > 3 * limited, 'the restarted server answers, at full speed');
  await lab!.stop(iperfServer);
});

kTest('spawned processes run in the host\'s netns (not the test\'s), with their pids recorded', async (t) => {
  const node = lab!.nodes[0]!;
  const sleeper = lab!.spawn(node, ['/bin/sleep', '600']);
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(fs.readlinkSync(`/proc/${sleeper.pid}/ns/net`), `net:[${fs.statSync(node.netnsPath).ino}]`);
  const record = JSON.parse(fs.readFileSync(`${REGISTRY_DIR}/${lab!.id}.json`, 'utf8')) as { owner: { pid: number }; pids: Array<{ pid: number }> };
  t.is(record.owner.pid, process.pid);
  t.true(record.pids.some((p) => p.pid === sleeper.pid));
  await lab!.kill9(sleeper);
  t.is(sleeper.child.signalCode, 'SIGKILL');
  t.true(isDead(sleeper.pid));
});

kTest('tmpfs: a small mount that fills up', async (t) => {
  const dir = await lab!.tmpfs(1);
  t.throws(() => fs.writeFileSync(`${dir}/big`, Buffer.alloc(2 * 1024 * 1024)), { code: 'ENOSPC' });
  t.true(lab!.remaining().mounts.includes(dir));
});

kTest('destroy leaves no namespace, link, mount, process, directory or record behind', async (t) => {
  const other = await createLab({ nodes: [{ wire: true }, {}], server: false });
  const sleeper = other.spawn(other.nodes[1]!, ['/bin/sleep', '600']);
  const mount = await other.tmpfs(1);
  const pids = [...other.remaining().pids, sleeper.pid];
  t.true(pids.length >= 2, 'the wire and the sleeper');
  await other.destroy();
  t.deepEqual(other.remaining(), { namespaces: [], mounts: [], pids: [] });
  t.deepEqual(fs.readdirSync('/run/netns').filter((n) => n.startsWith(other.prefix)), []);
  t.false((await hostLinks()).includes(other.id));
  t.false(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(mount));
  for (const pid of pids) t.true(isDead(pid), `pid ${pid} is gone`);
  t.false(fs.existsSync(other.dir));
  t.false(fs.existsSync(`${REGISTRY_DIR}/${other.id}.json`));
  await other.destroy(); // twice is fine
  t.throws(() => other.spawn(other.nodes[0]!, ['/bin/true']), { message: /is destroyed/ });
});

kTest('the sweeper removes the lab of a test process killed with -9, and leaves live labs alone', async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/orphan-lab.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
  });
  const orphan = JSON.parse(line) as { id: string; prefix: string; dir: string; tmpfs: string; pids: number[]; sleeper: number };
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  t.true(fs.existsSync(`/run/netns/${orphan.prefix}-n0`), 'the dead owner left its lab behind');
  t.false(isDead(orphan.sleeper), 'and its process');

  const swept = await sweepLabs();
  t.true(swept.includes(orphan.id));
  t.false(swept.includes(lab!.id), 'a lab whose owner lives is not swept');
  t.true(await reaches(lab!.nodes[0]!, lab!.server!.ip), 'and keeps working');
  t.deepEqual(fs.readdirSync('/run/netns').filter((n) => n.startsWith(orphan.prefix)), []);
  t.false(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(orphan.tmpfs));
  for (const pid of [...orphan.pids, orphan.sleeper]) t.true(isDead(pid), `pid ${pid} is gone`);
  t.false(fs.existsSync(orphan.dir));
  t.false(fs.existsSync(`${REGISTRY_DIR}/${orphan.id}.json`));
});
