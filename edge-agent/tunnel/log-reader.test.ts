import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { readLog, tailStart } from './log-reader.ts';

const base = { follow: false, previous: false, timestamps: false };

function logFile(t: import('ava').ExecutionContext, lines: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-log-reader-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, '0.log');
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

async function collect(iterable: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const chunk of iterable) out += chunk.toString();
  return out;
}

const record = (second: number, text: string) => `2024-01-01T00:00:${String(second).padStart(2, '0')}.000000000Z stdout F ${text}`;

test('the whole log, then the last two lines (tailLines)', async (t) => {
  const file = logFile(t, [1, 2, 3, 4].map((n) => record(n, `line ${n}`)));
  const source = { logPath: file, running: () => false };
  t.is(await collect(readLog(source, base, new AbortController().signal)), 'line 1\nline 2\nline 3\nline 4\n');
  t.is(await collect(readLog(source, { ...base, tailLines: 2 }, new AbortController().signal)), 'line 3\nline 4\n');
  t.is(await collect(readLog(source, { ...base, tailLines: 0 }, new AbortController().signal)), '');
  t.is(await collect(readLog(source, { ...base, tailLines: 10 }, new AbortController().signal)), 'line 1\nline 2\nline 3\nline 4\n');
});

test('without follow, lines written while the log is read are not part of the answer', async (t) => {
  // Over one read chunk, so the reader comes back to the file after it has grown.
  const early = Array.from({ length: 2000 }, (_, n) => record(n % 60, `early ${n} ${'x'.repeat(40)}`));
  const file = logFile(t, early);
  const reading = readLog({ logPath: file, running: () => true }, base, new AbortController().signal);
  const first = await reading.next();
  let out = first.done ? '' : first.value.toString();
  fs.appendFileSync(file, `${record(59, 'late')}\n`);
  for await (const chunk of reading) out += chunk.toString();
  t.is(out.split('\n').filter((l) => l !== '').length, 2000);
  t.false(out.includes('late'));
});

test('sinceSeconds counts back from the node’s clock', async (t) => {
  const file = logFile(t, [1, 2, 3].map((n) => record(n, `line ${n}`)));
  const now = () => Date.parse('2024-01-01T00:00:04Z');
  t.is(await collect(readLog({ logPath: file, running: () => false }, { ...base, sinceSeconds: 2 }, new AbortController().signal, now)), 'line 2\nline 3\n');
});

test('a missing log is empty', async (t) => {
  t.is(await collect(readLog({ logPath: '/nonexistent/0.log', running: () => false }, base, new AbortController().signal)), '');
});

test('follow gets lines written later and ends when the container stops', async (t) => {
  const file = logFile(t, [record(1, 'first')]);
  let running = true;
  const chunks: string[] = [];
  const done = (async () => {
    for await (const chunk of readLog({ logPath: file, running: () => running }, { ...base, follow: true }, new AbortController().signal)) chunks.push(chunk.toString());
  })();
  await new Promise((resolve) => setTimeout(resolve, 100));
  fs.appendFileSync(file, `${record(2, 'second')}\n`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(chunks.join(''), 'first\nsecond\n');
  fs.appendFileSync(file, `${record(3, 'last')}\n`);
  running = false;
  await done;
  t.is(chunks.join(''), 'first\nsecond\nlast\n');
});

test('follow stops when the request is cancelled', async (t) => {
  const file = logFile(t, [record(1, 'only')]);
  const controller = new AbortController();
  const reading = collect(readLog({ logPath: file, running: () => true }, { ...base, follow: true }, controller.signal));
  setTimeout(() => controller.abort(), 100);
  t.is(await reading, 'only\n');
});

test('tailStart finds record starts from the end', async (t) => {
  const file = logFile(t, ['a', 'bb', 'ccc']);
  const handle = await fs.promises.open(file, 'r');
  t.teardown(() => handle.close());
  t.is(await tailStart(handle, 1), 5);
  t.is(await tailStart(handle, 2), 2);
  t.is(await tailStart(handle, 3), 0);
});
