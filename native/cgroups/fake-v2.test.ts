// The pure cgroup v2 paths against a temp dir laid out like a cgroup2 mount. This machine
// binds memory, cpu and pids to v1, so no real v2 hierarchy can hold them here: these
// tests check the file names and parsing, not the kernel's behaviour.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { placeContainer, prepareParents, v2ControllersToEnable } from './placement.ts';
import { readOomKills, readStats } from './stats.ts';
import type { CgroupLayout } from './index.ts';

function fakeV2(t: { teardown(fn: () => void): void }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-cgroups-v2-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const layout: CgroupLayout = { mode: 'v2', hierarchies: [{ version: 2, mountPoint: root, controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'] }] };
  return { root, layout };
}

const put = (dir: string, files: Record<string, string>) => {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
};

test('a pure v2 container has one directory that serves every controller', (t) => {
  const { root, layout } = fakeV2(t);
  const dirs = placeContainer(layout, 'skerry', 'c1');
  t.deepEqual(dirs, [{ version: 2, mountPoint: root, dir: path.join(root, 'skerry/c1'), controllers: ['memory', 'cpu', 'pids', 'cpuset', 'io', 'cgroup'] }]);
  // memory, cpu and pids always (for stats); cpuset and io only when a write needs them.
  t.deepEqual(v2ControllersToEnable(dirs, []), ['memory', 'cpu', 'pids']);
  t.deepEqual(v2ControllersToEnable(dirs, ['cpuset', 'memory']), ['memory', 'cpu', 'pids', 'cpuset']);
});

test('controllers are enabled in the root and the skerry parent, and only when missing', (t) => {
  const { root, layout } = fakeV2(t);
  put(root, { 'cgroup.subtree_control': 'cpu memory pids\n' });
  put(path.join(root, 'skerry'), { 'cgroup.subtree_control': '\n' });
  prepareParents(placeContainer(layout, 'skerry', 'c1'), ['memory', 'cpu', 'pids']);
  // The root already had them all: untouched. The parent got one write per controller at
  // offset 0 (a plain file shows the last over the others; the kernel parses each write).
  t.is(fs.readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8'), 'cpu memory pids\n');
  t.regex(fs.readFileSync(path.join(root, 'skerry/cgroup.subtree_control'), 'utf8'), /^\+pids/);
});

test('v2 stats come from memory.current/max/peak, cpu.stat in microseconds and pids files', (t) => {
  const { root, layout } = fakeV2(t);
  const dirs = placeContainer(layout, 'skerry', 'c1');
  put(dirs[0]!.dir, {
    'memory.current': '1048576\n', 'memory.max': 'max\n', 'memory.peak': '2097152\n',
    'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 3\nthrottled_usec 250\n',
    'pids.current': '2\n', 'pids.max': '64\n',
    'memory.events': 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\noom_group_kill 0\n',
  });
  t.deepEqual(readStats(dirs), {
    memory: { usage: 1048576, limit: null, maxUsage: 2097152 },
    cpu: { usageNanos: 1_500_000, user: 1_000_000, system: 500_000, throttled: { periods: 10, throttledPeriods: 3, throttledNanos: 250_000 } },
    pids: { current: 2, limit: 64 },
  });
  t.is(readOomKills(dirs), 1);
});
