// OCI linux.resources → cgroup files, for v1, v2 and hybrid, without touching the kernel.
import test from 'ava';
import { isSkerryError } from '../../common/index.ts';
import {
  sharesToWeight, swapToV2, translateResources, validateResources, type LinuxResources, type VersionOf,
} from './index.ts';

const v1: VersionOf = (c) => (['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices', 'freezer'].includes(c) ? 1 : undefined);
const v2: VersionOf = (c) => (['memory', 'cpu', 'cpuset', 'pids', 'devices', 'cgroup', 'hugetlb'].includes(c) ? 2 : undefined);
// This machine: v1 controllers, cgroup2 holding hugetlb.
const hybrid: VersionOf = (c) => (c === 'hugetlb' || c === 'cgroup' ? 2 : v1(c));

const files = (resources: LinuxResources, versionOf: VersionOf) =>
  translateResources(validateResources(resources), versionOf).map((w) => `${w.controller}/${w.file}=${w.value}`);

const FULL: LinuxResources = {
  memory: { limit: 268435456, reservation: 134217728, swap: 536870912 },
  cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
  pids: { limit: 100 },
};

test('v1 gets limit_in_bytes, memsw, soft limit, shares, cfs period before quota, cpuset and pids.max', (t) => {
  t.deepEqual(files(FULL, v1), [
    'memory/memory.limit_in_bytes=268435456',
    'memory/memory.memsw.limit_in_bytes=536870912',
    'memory/memory.soft_limit_in_bytes=134217728',
    'cpu/cpu.shares=1024',
    'cpu/cpu.cfs_period_us=100000',
    'cpu/cpu.cfs_quota_us=50000',
    'cpuset/cpuset.cpus=0-1',
    'cpuset/cpuset.mems=0',
    'pids/pids.max=100',
  ]);
});

test('v2 gets memory.max, swap alone in memory.swap.max, memory.low, cpu.weight and cpu.max', (t) => {
  t.deepEqual(files(FULL, v2), [
    'memory/memory.max=268435456',
    'memory/memory.swap.max=268435456',
    'memory/memory.low=134217728',
    'cpu/cpu.weight=39',
    'cpu/cpu.max=50000 100000',
    'cpuset/cpuset.cpus=0-1',
    'cpuset/cpuset.mems=0',
    'pids/pids.max=100',
  ]);
});

test('unlimited (-1) is -1 on v1 memory and "max" on v2 and for pids', (t) => {
  const unlimited: LinuxResources = { memory: { limit: -1, swap: -1, reservation: -1 }, cpu: { quota: -1 }, pids: { limit: -1 } };
  t.deepEqual(files(unlimited, v1), [
    'memory/memory.limit_in_bytes=-1', 'memory/memory.memsw.limit_in_bytes=-1', 'memory/memory.soft_limit_in_bytes=-1',
    'cpu/cpu.cfs_quota_us=-1', 'pids/pids.max=max',
  ]);
  t.deepEqual(files(unlimited, v2), [
    'memory/memory.max=max', 'memory/memory.swap.max=max', 'memory/memory.low=max', 'cpu/cpu.max=max 100000', 'pids/pids.max=max',
  ]);
});

test('cpu.max fills in what the spec leaves out: the default period, or "max" quota', (t) => {
  t.deepEqual(files({ cpu: { quota: 25000 } }, v2), ['cpu/cpu.max=25000 100000']);
  t.deepEqual(files({ cpu: { period: 50000 } }, v2), ['cpu/cpu.max=max 50000']);
  t.deepEqual(files({ cpu: { period: 50000 } }, v1), ['cpu/cpu.cfs_period_us=50000']);
});

test('shares map to weight with the runc/crun linear formula', (t) => {
  t.is(sharesToWeight(2), 1);
  t.is(sharesToWeight(512), 20);
  t.is(sharesToWeight(1024), 39);
  t.is(sharesToWeight(2048), 79);
  t.is(sharesToWeight(262144), 10000);
});

test('v2 swap is memory+swap minus the memory limit', (t) => {
  t.is(swapToV2(536870912, 268435456), '268435456');
  t.is(swapToV2(268435456, 268435456), '0');
  t.is(swapToV2(-1, 268435456), 'max');
});

test('the hybrid layout takes v1 files for v1 controllers and v2 files only where v2 serves', (t) => {
  t.deepEqual(files({ memory: { limit: 1048576 }, unified: { 'hugetlb.2MB.max': '0' } }, hybrid), [
    'memory/memory.limit_in_bytes=1048576', 'hugetlb/hugetlb.2MB.max=0',
  ]);
  t.throws(() => files({ unified: { 'memory.high': '1M' } }, hybrid), { message: /unified\["memory\.high"\] needs memory on cgroup v2, but v1 serves it here/ });
});

test('v1 device rules come in order with the default devices appended; v2 skips them', (t) => {
  const rules = files({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] }, v1);
  t.deepEqual(rules.slice(0, 4), ['devices/devices.deny=a', 'devices/devices.allow=c 10:229 rw', 'devices/devices.allow=c *:* m', 'devices/devices.allow=b *:* m']);
  t.true(rules.includes('devices/devices.allow=c 1:3 rwm'));
  t.true(rules.includes('devices/devices.allow=c 136:* rwm'));
  t.deepEqual(files({ devices: [{ allow: false, access: 'rwm' }] }, v2), []);
});

test('a setting no mounted controller can serve is refused naming the field', (t) => {
  const none: VersionOf = () => undefined;
  t.throws(() => files({ pids: { limit: 5 } }, none), {
    message: 'Configuration is not valid: linux.resources.pids.limit needs the pids cgroup controller, which no mounted cgroup hierarchy offers',
  });
});

const refusals: Array<[string, unknown, RegExp]> = [
  ['negative memory limit', { memory: { limit: -5 } }, /^Configuration is not valid: linux\.resources\.memory\.limit must be a positive integer of bytes \(or -1 for unlimited\), got -5$/],
  ['zero memory limit', { memory: { limit: 0 } }, /memory\.limit must be a positive integer of bytes .*got 0$/],
  ['fractional reservation', { memory: { reservation: 1.5 } }, /memory\.reservation must be .*got 1\.5$/],
  ['string limit', { memory: { limit: '1G' } }, /memory\.limit must be .*got "1G"$/],
  ['swap without limit', { memory: { swap: 1048576 } }, /memory\.swap needs linux\.resources\.memory\.limit to be set/],
  ['swap below limit', { memory: { limit: 2097152, swap: 1048576 } }, /memory\.swap \(memory\+swap\) must be at least linux\.resources\.memory\.limit \(2097152\), got 1048576/],
  ['shares of 1', { cpu: { shares: 1 } }, /cpu\.shares must be an integer from 2 to 262144, got 1$/],
  ['shares too big', { cpu: { shares: 300000 } }, /cpu\.shares must be .*got 300000$/],
  ['quota under 1 ms', { cpu: { quota: 500 } }, /cpu\.quota must be -1 \(unlimited\) or an integer of microseconds of at least 1000, got 500$/],
  ['period over 1 s', { cpu: { period: 2000000 } }, /cpu\.period must be an integer of microseconds from 1000 to 1000000, got 2000000$/],
  ['cpus list garbage', { cpu: { cpus: '0-1;rm' } }, /cpu\.cpus must be a list such as "0-3,6", got "0-1;rm"$/],
  ['zero pids', { pids: { limit: 0 } }, /pids\.limit must be -1 \(unlimited\) or a positive integer, got 0$/],
  ['unsupported field', { blockIO: { weight: 10 } }, /linux\.resources\.blockIO is not supported by skerry$/],
  ['unsupported memory field', { memory: { kernel: 1048576 } }, /linux\.resources\.memory\.kernel is not supported by skerry$/],
  ['device access', { devices: [{ allow: true, access: 'rwx' }] }, /devices\[0\]\.access must be letters from "rwm", got "rwx"$/],
  ['unified path escape', { unified: { '../memory.max': '1' } }, /unified\["\.\.\/memory\.max"\] must name a cgroup v2 file/],
  ['resources not an object', [1], /^Configuration is not valid: linux\.resources must be an object, got \[1\]$/],
];

for (const [name, resources, message] of refusals) {
  test(`refused: ${name}`, (t) => {
    const error = t.throws(() => validateResources(resources as LinuxResources), { message });
    t.true(isSkerryError(error, 'CONFIG_INVALID'));
  });
}

test('empty sections, nulls and a missing resources object ask for nothing', (t) => {
  t.deepEqual(files({}, v1), []);
  t.deepEqual(files({ memory: {}, cpu: {}, blockIO: {}, hugepageLimits: null } as LinuxResources, v1), []);
  t.deepEqual(translateResources(validateResources(undefined), v1), []);
});
