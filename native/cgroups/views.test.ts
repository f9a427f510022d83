import test from 'ava';
import { readCgroupLayout } from './layout.ts';
import { v1CgroupViews } from './views.ts';

const HYBRID = `
35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
37 35 0:32 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd
38 35 0:33 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory
39 35 0:34 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:16 - cgroup cgroup rw,cpu,cpuacct
40 35 0:35 / /sys/fs/cgroup/blkio rw,nosuid shared:17 - cgroup cgroup rw,blkio
`;

const AGENT_CGROUPS = '5:blkio:/agent\n4:cpuacct,cpu:/agent\n3:memory:/agent\n1:name=systemd:/system.slice/agent.service\n0::/agent\n';

test('each v1 hierarchy shows the container\'s own cgroup, or the one it inherits, and joint ones get links', (t) => {
  const layout = readCgroupLayout(HYBRID, () => ['hugetlb']);
  const joined = ['/sys/fs/cgroup/unified/skerry/c1/cgroup.procs', '/sys/fs/cgroup/memory/skerry/c1/cgroup.procs', '/sys/fs/cgroup/cpu,cpuacct/skerry/c1/cgroup.procs'];
  t.deepEqual(v1CgroupViews(layout, joined, AGENT_CGROUPS), [
    { name: 'systemd', hostDir: '/sys/fs/cgroup/systemd/system.slice/agent.service', links: [] },
    { name: 'memory', hostDir: '/sys/fs/cgroup/memory/skerry/c1', links: [] },
    { name: 'cpu,cpuacct', hostDir: '/sys/fs/cgroup/cpu,cpuacct/skerry/c1', links: ['cpu', 'cpuacct'] },
    { name: 'blkio', hostDir: '/sys/fs/cgroup/blkio/agent', links: [] },
  ]);
});

test('a pure v2 host has no v1 views', (t) => {
  const layout = readCgroupLayout('30 25 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n', () => ['memory']);
  t.deepEqual(v1CgroupViews(layout, ['/sys/fs/cgroup/skerry/c1/cgroup.procs'], '0::/\n'), []);
});

test('a v1 hierarchy this process is not listed in is left out rather than guessed', (t) => {
  const layout = readCgroupLayout(HYBRID, () => []);
  t.deepEqual(v1CgroupViews(layout, [], '3:memory:/\n').map((v) => v.name), ['memory']);
});
