// The tool runner against the real tools. Nothing here changes any namespace: the commands
// only read, and the nsenter case enters this process's own network namespace.
import fs from 'node:fs';
import test from 'ava';
import { findTool, runTool, toolPath, type Tool } from './tools.ts';

const TOOLS: Tool[] = ['ip', 'bridge', 'nft', 'conntrack', 'nsenter', 'sh'];

test('tools are found by absolute path in the system directories, never through PATH', (t) => {
  for (const tool of TOOLS) {
    const path = findTool(tool);
    if (!path) {
      t.throws(() => toolPath(tool), { message: new RegExp(`^${tool} not found in /.* \\(Debian package [a-z0-9-]+\\)$`) });
      continue;
    }
    t.regex(path, new RegExp(`^/(usr/)?s?bin/${tool}$`), tool);
    t.is(toolPath(tool), path);
  }
});

test('the result carries the exit status, stdout and stderr; input goes to stdin', async (t) => {
  const result = await runTool(undefined, 'sh', ['-c', 'cat; echo complaint >&2; exit 3'], 'line 1\nline 2\n');
  t.deepEqual(result, { code: 3, signal: null, stdout: 'line 1\nline 2\n', stderr: 'complaint\n' });
});

test('multi-byte characters split across reads arrive whole', async (t) => {
  const text = 'ü'.repeat(100_000);
  const result = await runTool(undefined, 'sh', ['-c', 'cat'], text);
  t.is(result.code, 0);
  t.is(result.stdout, text);
});

test('pipe mode gives the tool a stdin it can open as /dev/stdin', async (t) => {
  const result = await runTool(undefined, 'sh', ['-c', 'cat /dev/stdin'], 'through a pipe\n', { pipe: true });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, 'through a pipe\n');
});

test('a tool running past its timeout is killed', async (t) => {
  const started = Date.now();
  const result = await runTool(undefined, 'sh', ['-c', 'exec sleep 20'], '', { timeoutMs: 200 });
  t.is(result.signal, 'SIGKILL');
  t.is(result.code, 128);
  t.true(Date.now() - started < 10_000);
});

test('a namespace file that does not exist is nsenter failing, not a rejection', async (t) => {
  const result = await runTool('/nonexistent/skerry-netns', 'sh', ['-c', 'true']);
  t.not(result.code, 0);
  t.regex(result.stderr, /nonexistent\/skerry-netns/);
});

const why = process.getuid?.() !== 0 ? 'needs root (nsenter --net)' : !findTool('nsenter') ? 'needs nsenter (Debian package util-linux)' : undefined;
const rootTest = why ? test.skip : test;
if (why) {
  test(`running in a namespace skipped: ${why}`, (t) => {
    t.log(why);
    t.pass();
  });
}

rootTest('with a namespace file the tool runs in that namespace', async (t) => {
  const own = `/proc/${process.pid}/ns/net`;
  const result = await runTool(own, 'sh', ['-c', 'readlink /proc/self/ns/net']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout.trim(), fs.readlinkSync(own));
});
