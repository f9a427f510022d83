/**
 * DESIGN §3: an acknowledged write survives kill -9. A child process (fixtures/kv-writer.ts)
 * writes with 8 concurrent writers, deletes and compacts; it is killed with SIGKILL at a random
 * moment, the store is reopened here and checked against what the child acknowledged, and the
 * next child carries on from the recovered state, many times over on the same file.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import Database from 'better-sqlite3';
import { openSqliteStore, type KeyValueStore, type WatchEvent } from '../storage/kv/index.ts';
import { replayEvents } from './helpers/kv.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/kv-writer.ts', import.meta.url));
const PREFIX = '/dur/';
const ITERATIONS = 50;
const KILL_DELAY_MS = [50, 400] as const;

type Op = 'create' | 'update' | 'delete';

/** A key's state: the revision of its latest write and the nonce its value starts with. */
interface Entry {
  rev: number;
  nonce: string;
}

interface Ack {
  key: string;
  op: Op;
  rev: number;
  nonce: string;
}

/** What one child reported on stdout before it was killed. */
interface ChildLog {
  ready: { revision: number; compactRevision: number; keys: number };
  acks: Ack[];
  /** Writes submitted but not acknowledged when the child died: each may or may not be stored. */
  inFlight: Map<string, { op: Op; nonce: string }>;
  /** Targets of compactions that resolved. */
  compactions: number[];
  /** A compaction was requested and had not resolved when the child died. */
  killedMidCompaction: boolean;
  problems: string[];
}

/** The store as the test process finds it after the kill. */
interface Recovered {
  head: number;
  compactRevision: number;
  items: Map<string, Entry>;
  history: WatchEvent[];
}

const nonceOf = (value: Buffer) => value.subarray(0, value.indexOf('|')).toString();

/** Starts a writer, kills it with SIGKILL a random time after it reports ready, returns its output. */
async function runAndKill(file: string): Promise<{ stdout: string; delayMs: number; startupMs: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], {
    cwd: REPO,
    env: { ...process.env, SKERRY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const delayMs = crypto.randomInt(KILL_DELAY_MS[0], KILL_DELAY_MS[1] + 1);
  let killTimer: NodeJS.Timeout | undefined;
  const spawnedAt = Date.now();
  let startupMs = 0;
  // Startup (tsx, better-sqlite3) normally takes well under a second; this only stops a hang.
  const startTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!killTimer && /^ready .*\n/.test(stdout)) {
      clearTimeout(startTimer);
      startupMs = Date.now() - spawnedAt;
      killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(startTimer);
  clearTimeout(killTimer);
  if (!killTimer || signal !== 'SIGKILL') {
    throw new Error(`writer ended by itself (code ${code}, signal ${signal}) instead of being killed after ready\nstdout tail: ${stdout.slice(-500)}\nstderr: ${stderr.slice(-2000)}`);
  }
  return { stdout, delayMs, startupMs };
}

function parseChildLog(stdout: string): ChildLog {
  const lines = stdout.split('\n');
  lines.pop(); // what follows the last newline: a line cut by the kill, whose write never started
  const log: ChildLog = {
    ready: { revision: -1, compactRevision: -1, keys: -1 },
    acks: [],
    inFlight: new Map(),
    compactions: [],
    killedMidCompaction: false,
    problems: [],
  };
  for (const line of lines) {
    const [kind, a = '', b = '', c = ''] = line.split(' ');
    if (kind === 'ready') log.ready = { revision: Number(a), compactRevision: Number(b), keys: Number(c) };
    else if (kind === 'try') log.inFlight.set(a, { op: b as Op, nonce: c });
    else if (kind === 'ack') {
      const submitted = log.inFlight.get(a);
      if (!submitted || submitted.op !== b) log.problems.push(`ack without a matching try: ${line}`);
      else log.acks.push({ key: a, op: submitted.op, rev: Number(c), nonce: submitted.nonce });
      log.inFlight.delete(a);
    } else if (kind === 'compact') log.killedMidCompaction = true;
    else if (kind === 'compacted') {
      log.compactions.push(Number(a));
      log.killedMidCompaction = false;
    } else log.problems.push(`unexpected line from the writer: ${line}`);
  }
  return log;
}

/** Reads everything the checks need, then closes the store again for the next writer. */
async function recover(file: string): Promise<Recovered> {
  const store = openSqliteStore({ file });
  try {
    const head = await store.currentRevision();
    const compactRevision = await store.compactRevision();
    const items = new Map<string, Entry>();
    for (const kv of (await store.list(PREFIX)).items) items.set(kv.key, { rev: kv.modRevision, nonce: nonceOf(kv.value) });
    // afterRevision 0 means "from now on", so revision 1 itself cannot be replayed.
    const history = await replayEvents(store, PREFIX, Math.max(compactRevision, 1), head);
    return { head, compactRevision, items, history };
  } finally {
    await store.close();
  }
}

const describe = (entry: Entry | undefined) => (entry ? `rev ${entry.rev} (${entry.nonce})` : 'absent');

/**
 * Compares the recovered store with the state before the child ran plus what it acknowledged.
 * A write in flight at the kill may be there or not, but nothing else may differ.
 */
function checkRecovery(before: Map<string, Entry>, previous: { head: number; compactRevision: number }, log: ChildLog, after: Recovered): string[] {
  const problems = [...log.problems];
  if (log.ready.revision !== previous.head) problems.push(`writer opened at revision ${log.ready.revision}, the test last saw ${previous.head}`);
  if (log.ready.keys !== before.size) problems.push(`writer opened with ${log.ready.keys} keys, the test last saw ${before.size}`);
  const expected = new Map(before);
  const revisions = new Set<number>();
  let highestAck = previous.head;
  for (const ack of log.acks) {
    if (ack.rev <= log.ready.revision) problems.push(`${ack.key} acknowledged at ${ack.rev}, not above the revision at open ${log.ready.revision}`);
    if (revisions.has(ack.rev)) problems.push(`revision ${ack.rev} acknowledged twice`);
    revisions.add(ack.rev);
    highestAck = Math.max(highestAck, ack.rev);
    if (ack.op === 'delete') expected.delete(ack.key);
    else expected.set(ack.key, { rev: ack.rev, nonce: ack.nonce });
  }
  if (after.head < highestAck) problems.push(`currentRevision ${after.head} is behind the highest acknowledged revision ${highestAck}`);
  const highestCompaction = Math.max(previous.compactRevision, ...log.compactions);
  if (after.compactRevision < highestCompaction) problems.push(`compactRevision ${after.compactRevision} is behind the acknowledged ${highestCompaction}`);
  if (after.compactRevision > after.head) problems.push(`compactRevision ${after.compactRevision} is ahead of currentRevision ${after.head}`);

  for (const key of new Set([...expected.keys(), ...after.items.keys(), ...log.inFlight.keys()])) {
    const want = expected.get(key);
    const got = after.items.get(key);
    if (got && got.rev > after.head) problems.push(`${key} is at ${got.rev}, above currentRevision ${after.head}`);
    if (want?.rev === got?.rev && want?.nonce === got?.nonce) continue;
    const pending = log.inFlight.get(key);
    if (pending?.op === 'delete' && want && !got) continue;
    if (pending && pending.op !== 'delete' && got?.nonce === pending.nonce && got.rev > Math.max(want?.rev ?? 0, log.ready.revision)) continue;
    problems.push(`${key}: acknowledged ${describe(want)}, in flight ${pending ? `${pending.op} (${pending.nonce})` : 'nothing'}, recovered ${describe(got)}`);
  }
  return [...problems, ...checkHistory(log, after)];
}

/** Revisions after the compacted one are all still in the log, and say what was acknowledged. */
function checkHistory(log: ChildLog, after: Recovered): string[] {
  const problems: string[] = [];
  const from = Math.max(after.compactRevision, 1) + 1;
  const revisions = after.history.map((e) => e.modRevision);
  const contiguous = Array.from({ length: Math.max(0, after.head - from + 1) }, (_, i) => from + i);
  if (revisions.join() !== contiguous.join()) {
    problems.push(`history after ${from - 1} has revisions ${revisions[0]}..${revisions.at(-1)} (${revisions.length}), expected ${from}..${after.head}`);
  }
  const byRevision = new Map(after.history.map((e) => [e.modRevision, e]));
  for (const ack of log.acks) {
    if (ack.rev < from) continue;
    const event = byRevision.get(ack.rev);
    const matches = event && event.key === ack.key && event.type === ack.op && (ack.op === 'delete' || nonceOf(event.value) === ack.nonce);
    if (!matches) problems.push(`history at ${ack.rev} is ${event ? `${event.type} ${event.key}` : 'missing'}, acknowledged ${ack.op} ${ack.key}`);
  }
  return problems;
}

/** Once any resumed compaction has finished, nothing at or below the compacted revision is superseded. */
function checkCompactedFile(file: string): string[] {
  const db = new Database(file);
  try {
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    const meta = Object.fromEntries((db.prepare('SELECT name, value FROM meta').all() as { name: string; value: number }[]).map((r) => [r.name, r.value]));
    const compacted = meta.compact_revision ?? 0;
    if (meta.compact_progress !== compacted) problems.push(`compaction progress ${meta.compact_progress} stopped short of ${compacted}`);
    const superseded = db.prepare('SELECT key, count(*) AS n FROM log WHERE rev <= ? GROUP BY key HAVING n > 1').all(compacted);
    if (superseded.length > 0) problems.push(`${superseded.length} keys keep superseded rows at or below ${compacted}`);
    const tombstones = db.prepare('SELECT count(*) AS n FROM log WHERE rev <= ? AND kind = 2').get(compacted) as { n: number };
    if (tombstones.n > 0) problems.push(`${tombstones.n} tombstones at or below ${compacted}`);
    return problems;
  } finally {
    db.close();
  }
}

test('an acknowledged write survives kill -9 of the writer, across many kills and compactions', async (t) => {
  // About 40 s alone; the margin is for a machine busy with the rest of the suite.
  t.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-kv-durability-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'state.db');
  const started = Date.now();

  let state = new Map<string, Entry>();
  let previous = { head: 0, compactRevision: 0 };
  const stats = { acks: 0, committedUnacked: 0, midCompaction: 0, compactions: 0, delays: [] as number[], minAcks: Infinity, maxAcks: 0, startupMs: 0, recoverMs: 0 };
  for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
    const { stdout, delayMs, startupMs } = await runAndKill(file);
    const log = parseChildLog(stdout);
    const recoverStart = Date.now();
    const after = await recover(file);
    stats.recoverMs += Date.now() - recoverStart;
    stats.startupMs += startupMs;
    const problems = checkRecovery(state, previous, log, after);
    if (problems.length > 0) {
      t.fail(`iteration ${iteration} (killed ${delayMs} ms after ready, ${log.acks.length} acks):\n${problems.slice(0, 20).join('\n')}`);
      return;
    }
    stats.acks += log.acks.length;
    stats.minAcks = Math.min(stats.minAcks, log.acks.length);
    stats.maxAcks = Math.max(stats.maxAcks, log.acks.length);
    // Revisions have no holes, so whatever the head moved beyond the acks was committed unacknowledged.
    stats.committedUnacked += after.head - previous.head - log.acks.length;
    stats.midCompaction += log.killedMidCompaction ? 1 : 0;
    stats.compactions += log.compactions.length;
    stats.delays.push(delayMs);
    state = after.items;
    previous = { head: after.head, compactRevision: after.compactRevision };
  }

  // Let the compaction a kill interrupted finish, then look at the file itself.
  const store = openSqliteStore({ file });
  await store.compact(await store.compactRevision());
  await store.close();
  t.deepEqual(checkCompactedFile(file), []);

  t.true(stats.acks > ITERATIONS, `only ${stats.acks} writes were acknowledged in ${ITERATIONS} runs`);
  t.true(previous.compactRevision > 0, 'no compaction happened');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  t.log(
    `${ITERATIONS} kills in ${seconds} s: ${stats.acks} acknowledged writes (${stats.minAcks}-${stats.maxAcks} per run), ` +
      `final revision ${previous.head}, compacted to ${previous.compactRevision}, ${stats.compactions} explicit compactions acknowledged, ` +
      `${stats.midCompaction} kills during a compaction, ${stats.committedUnacked} unacknowledged writes found stored, ` +
      `kill delays ${Math.min(...stats.delays)}-${Math.max(...stats.delays)} ms; per run on average ${(stats.startupMs / ITERATIONS).toFixed(0)} ms ` +
      `from spawn to ready, ${(stats.recoverMs / ITERATIONS).toFixed(0)} ms to reopen and check`,
  );
});
