/**
 * Local persistent volumes on a real node: I/O in a container on a PVC against the same I/O on
 * the host's data dir, and how long a StatefulSet with a fresh claim takes to run.
 *
 * I/O: scripts/bench/volumes-io.c, compiled here with `gcc -O2 -static` (so the same binary
 * runs on the host and in the busybox image), writes N MiB sequentially in 1 MiB blocks and
 * fsyncs, drops the file from the page cache, reads it back, then does 4 KiB write + fsync for
 * 2 s. On the host it runs in a directory under the agent's data dir — the filesystem the
 * volume images live on; in the cluster it runs in a pod (placed by the scheduler) with a
 * claim of the default StorageClass at /data and the binary from a read-only hostPath at
 * /bench, and prints its result into the container log. Host and pod take turns; the table
 * has the medians and the ratios pod/host. While each pod still holds the volume, a host
 * process runs the same in the volume's loop mount: the loop/ext4-in-a-file cost without the
 * container's.
 *
 * Apply → Running: a one-replica StatefulSet with a volumeClaimTemplate POSTed through the API
 * (what `kubectl apply` sends), until the watch shows its pod Running — each time a new claim,
 * so the whole first-start path counts: PVC from the template, WaitForFirstConsumer binding
 * when the pod is scheduled, PV creation, image preallocation, mkfs, loop mount, container
 * start. The image is on the node already.
 *
 * Like the pods bench, the agent runs in the host's namespace with --flannel-backend none.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountsUnder, unmountAll } from '../../edge-agent/pods/host/mounts.ts';
import { becomeChildSubreaper } from '../../native/index.ts';
import { loopsOf, releaseLoop } from '../../storage/volumes/index.ts';
import { api, startAgentProcess, startClusterServer, waitForReadyNode, type AgentProcess, type ClusterServer } from '../../test/helpers/cluster.ts';
import { buildBusyboxLayout, IMAGE, removeNodeContainers } from '../../test/helpers/pods.ts';
import { runSkerry } from '../../test/helpers/skerry.ts';
import type { Bench, BenchContext, BenchResult, ResultRow } from './report.ts';
import { median, summarize } from './stats.ts';

const NODE = 'bench-volumes';
const TARGETS = { ratio: 0.9, applyToRunningMs: 1_000 };
const SOURCE = new URL('./volumes-io.c', import.meta.url);
const NS = '/api/v1/namespaces/default';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One run of volumes-io, as it prints it. */
interface IoResult {
  mib: number;
  writeMBps: number;
  readMBps: number;
  fsyncPerSec: number;
  writeSeconds: number;
  readSeconds: number;
  fsyncs: number;
  fsyncSeconds: number;
  fadvise: number;
}

function parseIo(text: string, where: string): IoResult {
  const result = JSON.parse(text) as IoResult & { error?: string };
  if (result.error) throw new Error(`volumes-io on ${where}: ${result.error}`);
  return result;
}

/** Compiles the I/O tool into `dir` (static: the busybox image has no libc to link against). */
function compileTool(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const binary = path.join(dir, 'volumes-io');
  execFileSync('gcc', ['-O2', '-static', '-Wall', '-o', binary, fileURLToPath(SOURCE)], { stdio: ['ignore', 'ignore', 'pipe'] });
  return binary;
}

function runOnHost(binary: string, dir: string, mib: number): IoResult {
  fs.mkdirSync(dir, { recursive: true });
  return parseIo(execFileSync(binary, [dir, String(mib)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(), 'the host');
}

interface PodTimes {
  uid?: string;
  /** ms since the epoch when the watch first showed the pod, scheduled (spec.nodeName), Running, ended. */
  seen?: number;
  scheduled?: number;
  running?: number;
  ended?: number;
  phase?: string;
}

interface PodWatch {
  pods: Map<string, PodTimes>;
  close(): void;
}

/** One watch on the namespace's pods from now on, recording when each pod reached each step. */
function watchPods(server: ClusterServer): Promise<PodWatch> {
  const pods = new Map<string, PodTimes>();
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: server.apiPort, path: `${NS}/pods?watch=true&allowWatchBookmarks=false`, ca: server.ca, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        const now = Date.now();
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          const event = JSON.parse(line) as { type: string; object: Obj };
          const name = event.object.metadata?.name as string | undefined;
          if (!name || event.type === 'ERROR') continue;
          const times = pods.get(name) ?? {};
          if (times.uid !== event.object.metadata.uid) {
            // A new pod of the same name: start over.
            for (const key of Object.keys(times)) delete times[key as keyof PodTimes];
            times.uid = event.object.metadata.uid;
          }
          pods.set(name, times);
          const phase = event.object.status?.phase as string | undefined;
          times.phase = phase;
          times.seen ??= now;
          if (event.object.spec?.nodeName) times.scheduled ??= now;
          if (phase === 'Running') times.running ??= now;
          if (phase === 'Succeeded' || phase === 'Failed') times.ended ??= now;
        }
      });
      res.on('error', () => undefined);
      resolve({ pods, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

async function post(server: ClusterServer, collection: string, object: Obj): Promise<Obj> {
  const answer = await api(server, 'POST', collection, object);
  if (answer.status !== 201) throw new Error(`POST ${collection}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return answer.body;
}

/** What the cluster says about a pod that did not get where it should: its status and events. */
async function diagnose(server: ClusterServer, pod: string, claim?: string): Promise<string> {
  const got = await api(server, 'GET', `${NS}/pods/${pod}`).catch(() => undefined);
  const events = await api(server, 'GET', `${NS}/events`).catch(() => undefined);
  const names = new Set([pod, ...(claim ? [claim] : [])]);
  const items = ((events?.body.items ?? []) as Obj[]).filter((e) => names.has(e.involvedObject?.name)).map((e) => `${e.involvedObject.name} ${e.reason}: ${e.message}`);
  return `; pod status ${JSON.stringify(got?.body.status ?? {}).slice(0, 400)}; events: ${items.slice(-6).join(' | ') || 'none'}`;
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms: number, explain: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${await explain()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The stdout text of a container's CRI log (`<time> stdout F <text>` lines). */
function stdoutOf(file: string): string {
  if (!fs.existsSync(file)) return '';
  let text = '';
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^\S+ stdout ([FP]) (.*)$/s.exec(line);
    if (match) text += match[1] === 'F' ? `${match[2]}\n` : match[2];
  }
  return text;
}

function ioPod(name: string, claim: string, binDir: string, mib: number): Obj {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      containers: [{
        // It stays up after the run, so the host can measure the same mount without the container.
        name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', `/bench/volumes-io /data ${mib}; exec sleep 3600`],
        volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'bench', mountPath: '/bench', readOnly: true }],
      }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }, { name: 'bench', hostPath: { path: binDir, type: 'Directory' } }],
    },
  };
}

/**
 * Runs volumes-io in a new pod on the claim, then (while the pod holds the volume) on the host
 * in the volume's own mount: that run has the loop device and the filesystem in a file, but no
 * container, and tells the two costs apart.
 */
async function runInPod(server: ClusterServer, watch: PodWatch, agentDir: string, name: string, claim: string, binary: string, mib: number): Promise<{ pod: IoResult; mount: IoResult }> {
  const binDir = path.dirname(binary);
  const created = await post(server, `${NS}/pods`, ioPod(name, claim, binDir, mib));
  const uid = created.metadata.uid as string;
  const log = path.join(agentDir, 'pods', `default_${name}_${uid}`, 'c', '0.log');
  const explain = () => diagnose(server, name, claim);
  const line = await waitFor(`${name} prints its result`, () => {
    const found = stdoutOf(log).split('\n').find((l) => l.startsWith('{'));
    if (found) return found;
    if (watch.pods.get(name)?.phase === 'Failed') throw new Error(`${name} failed; log: ${stdoutOf(log).slice(-300)}`);
    return undefined;
  }, 120_000, explain);
  const pod = parseIo(line, `pod ${name}`);
  const mounts = mountsUnder(path.join(agentDir, 'storage', 'mounts'));
  if (mounts.length !== 1) throw new Error(`expected one volume mounted under ${agentDir}/storage/mounts, found ${mounts.length}: ${mounts.join(', ')}`);
  const probe = path.join(mounts[0]!, 'bench-host-io');
  const mount = runOnHost(binary, probe, mib);
  fs.rmSync(probe, { recursive: true, force: true });
  await api(server, 'DELETE', `${NS}/pods/${name}?gracePeriodSeconds=0`);
  await waitForGone(server, `${NS}/pods/${name}`, 30_000);
  return { pod, mount };
}

async function waitForGone(server: ClusterServer, object: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await api(server, 'GET', object)).status === 404) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function statefulSet(name: string): Obj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } }],
    },
  };
}

interface ApplyTiming {
  name: string;
  /** POST → pod Running, and the steps on the way (ms from the POST). */
  totalMs: number;
  podSeenMs: number;
  scheduledMs: number;
}

/** POSTs a one-replica StatefulSet and times it until its pod is Running. */
async function applyToRunning(server: ClusterServer, watch: PodWatch, name: string): Promise<ApplyTiming> {
  const pod = `${name}-0`;
  const claim = `data-${pod}`;
  const sent = Date.now();
  await post(server, '/apis/apps/v1/namespaces/default/statefulsets', statefulSet(name));
  const running = await waitFor(`${pod} Running`, () => watch.pods.get(pod)?.running, 60_000, () => diagnose(server, pod, claim));
  const times = watch.pods.get(pod)!;
  const bound = (await api(server, 'GET', `${NS}/persistentvolumeclaims/${claim}`)).body as Obj;
  if (bound.status?.phase !== 'Bound') throw new Error(`${pod} is Running but its claim ${claim} is ${bound.status?.phase ?? 'missing'}`);
  return { name, totalMs: running - sent, podSeenMs: times.seen! - sent, scheduledMs: times.scheduled! - sent };
}

/** Unmounts everything under the bench dir and detaches the loop devices of its volume images. */
async function releaseStorage(dir: string, storage: string): Promise<void> {
  unmountAll(dir);
  const images: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.img')) images.push(fs.realpathSync(p));
    }
  };
  walk(storage);
  for (const image of images) for (const device of loopsOf(image)) await releaseLoop(device).catch(() => undefined);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

async function run({ dir, quick, progress }: BenchContext): Promise<BenchResult> {
  if (process.getuid?.() !== 0) throw new Error('the volumes bench runs containers and loop mounts: it needs root');
  if (!fs.existsSync('/dev/loop-control')) throw new Error('the volumes bench needs loop devices (/dev/loop-control)');
  becomeChildSubreaper();
  const mib = quick ? 64 : 256;
  const rounds = quick ? 2 : 3;
  const sets = quick ? 2 : 5;
  const agentDir = path.join(dir, 'agent');
  const storage = path.join(agentDir, 'storage');
  const node = { runtimeRoot: path.join(dir, 'runtime'), agentDir };
  const binDir = path.join(dir, 'bin');
  progress('compiling volumes-io');
  const binary = compileTool(binDir);
  progress('building the busybox image');
  const layout = await buildBusyboxLayout(path.join(dir, 'image'));
  const imported = await runSkerry(['images', 'import', '--data-dir', agentDir, layout]);
  if (imported.code !== 0) throw new Error(`images import: ${imported.stderr}`);
  const hostDir = path.join(agentDir, 'bench-host-io');
  const server = await startClusterServer(path.join(dir, 'server'));
  let agent: AgentProcess | undefined;
  let watch: PodWatch | undefined;
  try {
    agent = startAgentProcess(server, NODE, agentDir, ['--runtime-root', node.runtimeRoot, '--pods-root', path.join(dir, 'pods')]);
    await waitForReadyNode(server, NODE, 60_000);
    watch = await watchPods(server);

    const claim = 'io-data';
    const claimed = await post(server, `${NS}/persistentvolumeclaims`, {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${mib * 2}Mi` } } },
    });
    const storageClass = String(claimed.spec?.storageClassName ?? '(none)');
    const host: IoResult[] = [];
    const pod: IoResult[] = [];
    const mount: IoResult[] = [];
    for (let i = 0; i < rounds; i++) {
      progress(`round ${i + 1}/${rounds}: ${mib} MiB on the host's data dir`);
      host.push(runOnHost(binary, hostDir, mib));
      progress(`round ${i + 1}/${rounds}: ${mib} MiB in a pod on the claim`);
      const inPod = await runInPod(server, watch, agentDir, `io-${i}`, claim, binary, mib);
      pod.push(inPod.pod);
      mount.push(inPod.mount);
    }
    const bound = (await api(server, 'GET', `${NS}/persistentvolumeclaims/${claim}`)).body as Obj;
    const volume = String(bound.spec?.volumeName ?? '');

    progress(`${sets} StatefulSets with a fresh 16Mi claim each, one at a time`);
    const applies: ApplyTiming[] = [];
    for (let i = 0; i < sets; i++) applies.push(await applyToRunning(server, watch, `vol-${i}`));

    const m = (xs: IoResult[], key: 'writeMBps' | 'readMBps' | 'fsyncPerSec') => round1(median(xs.map((x) => x[key])));
    const hw = m(host, 'writeMBps'), hr = m(host, 'readMBps'), hf = m(host, 'fsyncPerSec');
    const pw = m(pod, 'writeMBps'), pr = m(pod, 'readMBps'), pf = m(pod, 'fsyncPerSec');
    const mw = m(mount, 'writeMBps'), mr = m(mount, 'readMBps'), mf = m(mount, 'fsyncPerSec');
    const noContainer = (value: number, host: number) => `host process in the volume's loop mount, no container: ${Math.round(value).toLocaleString('en-US')} (${ratio(value, host).toFixed(2)}x host)`;
    const a = summarize(applies.map((x) => x.totalMs));
    const steps = (key: 'podSeenMs' | 'scheduledMs') => median(applies.map((x) => x[key]));
    const each = `medians of ${rounds} runs each, host and pod alternating`;
    const rows: ResultRow[] = [
      { id: 'host-write', metric: `host data dir: sequential write ${mib} MiB + fsync`, value: hw, unit: 'MB/s', notes: each },
      { id: 'pvc-write', metric: `pod on a PVC: sequential write ${mib} MiB + fsync`, value: pw, unit: 'MB/s', notes: noContainer(mw, hw) },
      { id: 'write-ratio', metric: 'write throughput, PVC / host', value: ratio(pw, hw), unit: 'x', target: { op: '>=', value: TARGETS.ratio } },
      { id: 'host-read', metric: `host data dir: sequential read ${mib} MiB, cold cache`, value: hr, unit: 'MB/s' },
      { id: 'pvc-read', metric: `pod on a PVC: sequential read ${mib} MiB, cold cache`, value: pr, unit: 'MB/s', notes: noContainer(mr, hr) },
      { id: 'read-ratio', metric: 'read throughput, PVC / host', value: ratio(pr, hr), unit: 'x', target: { op: '>=', value: TARGETS.ratio } },
      { id: 'host-fsync', metric: 'host data dir: 4 KiB write + fsync', value: hf, unit: 'fsync/s' },
      { id: 'pvc-fsync', metric: 'pod on a PVC: 4 KiB write + fsync', value: pf, unit: 'fsync/s', notes: noContainer(mf, hf) },
      { id: 'fsync-ratio', metric: 'fsync rate, PVC / host', value: ratio(pf, hf), unit: 'x', target: { op: '>=', value: TARGETS.ratio } },
      { id: 'apply-p50', metric: 'StatefulSet apply → pod Running with a new bound volume, p50', value: a.p50, unit: 'ms', target: { op: '<=', value: TARGETS.applyToRunningMs }, notes: `${a.n} sets; pod created at ${Math.round(steps('podSeenMs'))} ms, scheduled (claim bound) at ${Math.round(steps('scheduledMs'))} ms (medians)` },
      { id: 'apply-max', metric: 'StatefulSet apply → pod Running with a new bound volume, max', value: a.max, unit: 'ms', target: { op: '<=', value: TARGETS.applyToRunningMs } },
    ];
    return {
      rows,
      config: {
        mib, rounds, statefulSets: sets, image: IMAGE, ioClaimSize: `${mib * 2}Mi`, storageClass, ioVolume: volume,
        method: [
          `volumes-io (scripts/bench/volumes-io.c, gcc -O2 -static): write ${mib} MiB in 1 MiB blocks then fsync (MB/s includes the fsync; MB = 10^6 B), posix_fadvise DONTNEED, read it back in 1 MiB blocks, then 4 KiB pwrite + fsync for 2 s.`,
          `Host: a directory under the agent's data dir (${fs.realpathSync(agentDir)}'s filesystem, where the volume images live). Pod: a busybox pod placed by the scheduler, a ${mib * 2}Mi claim of the default StorageClass (${storageClass}) at /data, the binary from a read-only hostPath; the result is read from the container log.`,
          `${rounds} rounds, host then pod in each; medians; ratios are pod / host. After each pod run, while the pod holds the volume, the same run by a host process in the volume's loop mount (under the agent's storage/mounts): the loop device and ext4-in-a-file without the container.`,
          `Apply → Running: POST of a one-replica StatefulSet with a 16Mi volumeClaimTemplate until the pod watch shows its pod Running (claim checked Bound); ${sets} sets, one at a time, each with a new claim (PVC creation, binding at scheduling, PV, preallocation, mkfs, loop mount, container start). The image is staged on the node.`,
        ],
      },
      details: { host, pod, hostOnVolumeMount: mount, applies, applyMs: a },
    };
  } finally {
    watch?.close();
    await agent?.stop('SIGKILL');
    server.stop();
    await removeNodeContainers(node);
    await releaseStorage(dir, storage);
  }
}

export const volumesBench: Bench = { name: 'volumes', title: 'Local persistent volumes: I/O on a PVC vs the host, StatefulSet start with a new volume', run };
