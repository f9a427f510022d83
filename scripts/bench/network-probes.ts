/**
 * What the network bench measures with, run inside the lab's namespaces: iperf3 clients,
 * ICMP round trips (the lab's ping), and small Python programs given with `python3 -c`: a
 * TCP echo server, a client timing sequential connect+request+close, a prober opening a new
 * connection every few ms (to see when a policy starts dropping), and a client keeping one
 * connection busy (to see when a policy cuts it).
 */
import fs from 'node:fs';
import type { Lab, LabNetns, LabProcess } from '../../test/lab/index.ts';
import { ECHO_PORT, IPERF_PORT, startServer, tool } from './network-lab.ts';

// ---------------------------------------------------------------------------------------
// iperf3

export interface TcpRun {
  mbits: number;
  retransmits: number;
}

export interface UdpRun {
  /** Datagrams the receiver got, per second. */
  receivedPps: number;
  sentPps: number;
  lostPercent: number;
  mbits: number;
}

async function iperf(lab: Lab, from: LabNetns, to: string, args: string[], seconds: number): Promise<Record<string, unknown>> {
  const argv = [tool('iperf3'), '-c', to, '-p', String(IPERF_PORT), '-J', '-t', String(seconds), ...args];
  const out = await lab.exec(from, argv, { allowFailure: true, timeoutMs: (seconds + 20) * 1000 });
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(out.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`${argv.join(' ')} in ${from.netns}: exit ${out.code}, no JSON: ${out.stderr.trim() || out.stdout.slice(0, 300)}`);
  }
  if (report.error || out.code !== 0) throw new Error(`${argv.join(' ')} in ${from.netns}: ${String(report.error ?? `exit ${out.code}`)}`);
  return report;
}

/** One TCP stream for `seconds` (the first one left out: slow start); the receiver's rate. */
export async function tcpThroughput(lab: Lab, from: LabNetns, to: string, seconds: number, omit: number): Promise<TcpRun> {
  const report = await iperf(lab, from, to, omit > 0 ? ['-O', String(omit)] : [], seconds);
  const end = report.end as { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } };
  return { mbits: end.sum_received.bits_per_second / 1e6, retransmits: end.sum_sent.retransmits ?? 0 };
}

/**
 * Where the kernel counts every task's CPU time to the nanosecond (cgroup v1 cpuacct at the
 * root: all tasks, softirq work done in their context included). /proc/stat and a cgroup2
 * root count in ticks, which on this VM's tickless CPUs missed most of a busy second.
 */
const CPUACCT_USAGE = ['/sys/fs/cgroup/cpuacct/cpuacct.usage', '/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage'].find((f) => fs.existsSync(f));

export const cpuCostAvailable = (): boolean => CPUACCT_USAGE !== undefined;

function cpuNs(): bigint {
  return BigInt(fs.readFileSync(CPUACCT_USAGE!, 'utf8').trim());
}

/**
 * The machine's CPU per Gbit delivered, in ms, for one TCP stream held at `rateGbit` (below
 * every path's ceiling): on a CPU-bound lab a path's throughput is the inverse of this, and
 * it swings far less from run to run than a flat-out rate does.
 */
export async function tcpCpuCost(lab: Lab, from: LabNetns, to: string, seconds: number, rateGbit: number): Promise<number> {
  const before = cpuNs();
  const report = await iperf(lab, from, to, ['-b', `${rateGbit}G`], seconds);
  const used = Number(cpuNs() - before) / 1e6;
  const end = report.end as { sum_received: { bytes: number } };
  return used / ((end.sum_received.bytes * 8) / 1e9);
}

/** UDP datagrams of `length` bytes of payload, sent as fast as the sender can (-b 0). */
export async function udpRate(lab: Lab, from: LabNetns, to: string, seconds: number, length: number): Promise<UdpRun> {
  const report = await iperf(lab, from, to, ['-u', '-l', String(length), '-b', '0'], seconds);
  // iperf 3.12: sum_received is what the server reported back; its `packets` is the highest
  // sequence number seen, so the datagrams that arrived are counted from the bytes.
  const end = report.end as Record<'sum_sent' | 'sum_received', { seconds: number; packets: number; bytes: number }>;
  const received = end.sum_received.bytes / length;
  const sent = end.sum_sent.packets;
  return { receivedPps: received / end.sum_received.seconds, sentPps: sent / end.sum_sent.seconds, lostPercent: 100 * (1 - received / sent), mbits: (end.sum_received.bytes * 8) / end.sum_received.seconds / 1e6 };
}

// ---------------------------------------------------------------------------------------
// ICMP

/** Round-trip times in µs of `count` echo requests `intervalMs` apart. */
export async function pingRtts(lab: Lab, from: LabNetns, to: string, count: number, intervalMs: number): Promise<number[]> {
  const result = await lab.ping(from, to, { count, intervalMs, waitMs: 1000 });
  if (result.received < count * 0.9) throw new Error(`ping ${to} from ${from.netns}: ${result.received} of ${result.sent} answered`);
  return result.rtts.map((ms) => ms * 1000);
}

// ---------------------------------------------------------------------------------------
// TCP: echo server and clients (Python, so the same code runs in every netns)

/** Echoes whatever each connection sends, many connections at once, one thread. */
const ECHO_SERVER = String.raw`
import selectors, socket, sys
sel = selectors.DefaultSelector()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(('0.0.0.0', int(sys.argv[1])))
ls.listen(1024)
ls.setblocking(False)
sel.register(ls, selectors.EVENT_READ)
print('ready', flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is ls:
            try:
                c, _ = ls.accept()
            except OSError:
                continue
            c.setblocking(False)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            data = b''
        if data:
            try:
                s.sendall(data)
                continue
            except OSError:
                pass
        sel.unregister(s)
        s.close()
`;

/**
 * argv: N target... — N rounds; each round, for every target (order reversed every other
 * round), connect + send 32 bytes + read them back + close, timed. Prints
 * {"samples": {target: [ms...]}, "errors": {target: {error: count}}}.
 */
const CONNECT_CLIENT = String.raw`
import json, socket, sys, time
n = int(sys.argv[1])
targets = sys.argv[2:]
addr = {t: (t.rsplit(':', 1)[0], int(t.rsplit(':', 1)[1])) for t in targets}
samples = {t: [] for t in targets}
errors = {t: {} for t in targets}
msg = b'x' * 32
for i in range(n):
    for t in (targets if i % 2 == 0 else targets[::-1]):
        t0 = time.perf_counter()
        try:
            s = socket.create_connection(addr[t], timeout=2)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(msg)
            got = 0
            while got < len(msg):
                d = s.recv(64)
                if not d:
                    raise ConnectionError('closed early')
                got += len(d)
            s.close()
            samples[t].append((time.perf_counter() - t0) * 1000)
        except OSError as e:
            k = type(e).__name__
            errors[t][k] = errors[t].get(k, 0) + 1
print(json.dumps({'samples': samples, 'errors': errors}))
`;

/**
 * argv: host port seconds timeout_s gap_s — a new TCP connection every gap, each given
 * timeout to connect. Prints [[start (epoch s), "ok" | "drop" | error], ...].
 */
const PROBER = String.raw`
import json, socket, sys, time
host, port, seconds, timeout, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print('ready', flush=True)
end = time.time() + seconds
out = []
while not out or time.time() < end:
    t0 = time.time()
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        r = 'ok'
    except socket.timeout:
        r = 'drop'
    except OSError as e:
        r = type(e).__name__
    finally:
        s.close()
    out.append([t0, r])
    rest = gap - (time.time() - t0)
    if rest > 0:
        time.sleep(rest)
print(json.dumps(out), flush=True)
`;

/**
 * argv: host port seconds gap_s — one connection, 16 bytes sent and echoed every gap; a late
 * echo is waited for (until the time is up). Prints {"exchanges": [[sent, echoed or null]
 * (epoch s)], "ended": "time" or the error}.
 */
const STREAM_CLIENT = String.raw`
import json, socket, sys, time
host, port, seconds, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((host, port), timeout=2)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print('ready', flush=True)
end = time.time() + seconds
exchanges, ended = [], 'time'
while time.time() < end:
    sent = time.time()
    try:
        s.settimeout(max(0.01, end - time.time()))
        s.sendall(b'y' * 16)
        got = 0
        while got < 16:
            d = s.recv(64)
            if not d:
                raise ConnectionError('closed')
            got += len(d)
        exchanges.append([sent, time.time()])
    except socket.timeout:
        exchanges.append([sent, None])
        break
    except OSError as e:
        exchanges.append([sent, None])
        ended = type(e).__name__
        break
    time.sleep(gap)
print(json.dumps({'exchanges': exchanges, 'ended': ended}), flush=True)
`;

const python = (script: string, ...args: Array<string | number>) => [tool('python3'), '-c', script, ...args.map(String)];

export const startEchoServer = (lab: Lab, where: LabNetns, port = ECHO_PORT) => startServer(lab, where, python(ECHO_SERVER, port), /^ready$/);

export interface ConnectResult {
  samples: Record<string, number[]>;
  errors: Record<string, Record<string, number>>;
}

/** `rounds` sequential connect+request+close to each target ("ip:port"), interleaved; ms per sample. */
export async function connectLatencies(lab: Lab, from: LabNetns, rounds: number, targets: string[]): Promise<ConnectResult> {
  const out = await lab.exec(from, python(CONNECT_CLIENT, rounds, ...targets), { timeoutMs: 10 * 60_000 });
  return JSON.parse(out.stdout) as ConnectResult;
}

/** A process started in a netns whose last stdout line is JSON, read when it exits. */
export interface Running<T> {
  proc: LabProcess;
  result: Promise<T>;
}

const READY_MS = 10_000;

async function startJsonProcess<T>(lab: Lab, where: LabNetns, argv: string[]): Promise<Running<T>> {
  const proc = lab.spawn(where, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  proc.child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (/^ready$/m.test(stdout)) ready();
  });
  proc.child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const result = proc.exited.then(({ code, signal }) => {
    const last = stdout.trim().split('\n').pop() ?? '';
    if (code !== 0 || (!last.startsWith('[') && !last.startsWith('{'))) throw new Error(`${argv[0]} in ${where.netns} exited (${code ?? signal}): ${stderr.trim() || stdout.slice(-300)}`);
    return JSON.parse(last) as T;
  });
  result.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${argv[0]} in ${where.netns}: not ready after ${READY_MS} ms`)), READY_MS)));
  try {
    await Promise.race([isReady, late, result.then(() => { throw new Error(`${argv[0]} in ${where.netns} ended before it was ready`); })]);
  } catch (error) {
    await lab.kill9(proc);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { proc, result };
}

export type ProbeOutcome = [startEpochSeconds: number, outcome: string];

/** New connections to host:port every gapMs for seconds, each allowed timeoutMs to connect. */
export const startProber = (lab: Lab, from: LabNetns, host: string, port: number, seconds: number, timeoutMs: number, gapMs: number) =>
  startJsonProcess<ProbeOutcome[]>(lab, from, python(PROBER, host, port, seconds, timeoutMs / 1000, gapMs / 1000));

export interface StreamResult {
  /** [sent, echoed] in epoch seconds; echoed is null for the one that never came back. */
  exchanges: Array<[number, number | null]>;
  /** 'time' (ran its course, possibly waiting for an echo at the end), else the socket error. */
  ended: string;
}

/** One connection to host:port, an echo every gapMs, for seconds (or until it stalls). */
export const startStream = (lab: Lab, from: LabNetns, host: string, port: number, seconds: number, gapMs: number) =>
  startJsonProcess<StreamResult>(lab, from, python(STREAM_CLIENT, host, port, seconds, gapMs / 1000));

/** Does a TCP connection from `from` to host:port get through within timeoutMs? */
export async function connects(lab: Lab, from: LabNetns, host: string, port: number, timeoutMs: number): Promise<string> {
  const probe = await startProber(lab, from, host, port, 0.001, timeoutMs, 0);
  const outcomes = await probe.result;
  return outcomes[0]?.[1] ?? 'none';
}
