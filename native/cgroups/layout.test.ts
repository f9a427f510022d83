import test from 'ava';
import { hierarchyFor, readCgroupLayout } from './layout.ts';

const HYBRID = `
35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
37 35 0:32 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd
38 35 0:33 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
39 35 0:34 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:16 - cgroup cgroup rw,cpu,cpuacct
40 35 0:35 / /sys/fs/cgroup/pids rw,nosuid shared:17 - cgroup cgroup rw,pids
`;

test('a hybrid layout lists v1 controllers per mount and what cgroup2 holds', (t) => {
  const layout = readCgroupLayout(HYBRID, () => ['hugetlb']);
  t.is(layout.mode, 'hybrid');
  t.deepEqual(layout.hierarchies.map((h) => [h.version, h.mountPoint, h.controllers.join(',')]), [
    [2, '/sys/fs/cgroup/unified', 'hugetlb'],
    [1, '/sys/fs/cgroup/systemd', ''],
    [1, '/sys/fs/cgroup/memory', 'memory'],
    [1, '/sys/fs/cgroup/cpu,cpuacct', 'cpu,cpuacct'],
    [1, '/sys/fs/cgroup/pids', 'pids'],
  ]);
  t.is(hierarchyFor(layout, 'cpuacct')!.mountPoint, '/sys/fs/cgroup/cpu,cpuacct');
  t.is(hierarchyFor(layout, 'hugetlb')!.version, 2);
  t.is(hierarchyFor(layout, 'io'), undefined);
});

test('a unified layout is v2 and serves controllers from cgroup.controllers', (t) => {
  const layout = readCgroupLayout('30 25 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n', () => ['cpu', 'memory', 'pids']);
  t.is(layout.mode, 'v2');
  t.is(hierarchyFor(layout, 'memory')!.mountPoint, '/sys/fs/cgroup');
});

test('no cgroup mounts at all is reported as none', (t) => {
  t.is(readCgroupLayout('1 0 8:1 / / rw - ext4 /dev/vda rw\n').mode, 'none');
});

test('the layout of this machine is readable', (t) => {
  t.notThrows(() => readCgroupLayout());
});
