// Parity with crun and runc (issue 3, point 6): one bundle — config.json from `skerry
// runtime spec` (Docker's capabilities, the default seccomp profile, masked and read-only
// paths) with a busybox rootfs and memory/pids limits — runs under `skerry runtime run`,
// `crun run` and `runc run`, and each container prints what it sees. The three views are
// then compared aspect by aspect, one test each, so a failure names what differs.
//
// Intended differences (not asserted, each explained where the view is normalized):
// - how a masked *file* is covered: crun binds the host's /dev/null read-only, runc binds the
//   container's /dev/null (a tmpfs file) read-write, skerry binds the host's /dev/null
//   read-write. All three read empty, which is what is asserted.
// - crun alone adds a /dev/core -> /proc/kcore symlink.
// - mount flags other than ro/rw (skerry's read-only paths also carry nosuid,nodev,noexec).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { listContainerCgroups } from '../native/index.ts';
import { buildBusyboxRootfs } from './helpers/bundle.ts';
import { prepareCgroupsForCrun, removeLeftoverCgroups } from './helpers/crun-cgroups.ts';
import { runSkerry, SKERRY } from './helpers/skerry.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root; mounts a v1 hugetlb hierarchy for crun while cgroup2 holds hugetlb, then unmounts it)';

const RUNTIMES = ['skerry', 'crun', 'runc'] as const;
type Runtime = (typeof RUNTIMES)[number];
const each = <T>(f: (runtime: Runtime) => T): Record<Runtime, T> => Object.fromEntries(RUNTIMES.map((r) => [r, f(r)])) as Record<Runtime, T>;
const same = <T>(value: T): Record<Runtime, T> => each(() => value);

const MEMORY_LIMIT = 64 * 1024 * 1024;
const PIDS_LIMIT = 64;

// Masked paths of the default spec, probed whether or not this kernel has them: a path the
// host lacks must stay absent, one it has must read empty.
const PROBED_MASKS = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

// busybox sh. `read` and `$$` are the shell's own view: the shell is the container's pid 1.
const PROBE = `
echo @@pid; echo $$; read -r stat < /proc/self/stat; echo "$stat"
echo @@hostname; hostname
echo @@status; while read -r line; do case "$line" in Cap*|NoNewPrivs:*|Seccomp*) echo "$line";; esac; done < /proc/self/status
echo @@id; id
echo @@ulimit; ulimit -n; ulimit -Hn
echo @@cwd; pwd
echo @@umask; umask
echo @@env; env | sort
echo @@syscalls
unshare -n true 2>/dev/null && echo unshare-allowed || echo unshare-refused
mount -t tmpfs x /mnt 2>/dev/null && echo mount-allowed || echo mount-refused
hostname other 2>/dev/null && echo sethostname-allowed || echo sethostname-refused
echo @@mountinfo; cat /proc/self/mountinfo
echo @@masked
for p in ${PROBED_MASKS.join(' ')}; do
  if [ -d "$p" ]; then echo "$p dir $(ls -A "$p" | wc -l)"
  elif [ -e "$p" ]; then echo "$p file $(cat "$p" 2>/dev/null | wc -c)"
  else echo "$p absent"; fi
done
echo @@limits
for f in /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max; do
  [ -r "$f" ] && echo "$f $(cat "$f")"
done
echo @@proccgroup; cat /proc/self/cgroup
echo @@fd; ls /proc/self/fd
echo @@initfd; ls /proc/1/fd
echo @@dev; stat -c '%n %F %a %t:%T' /dev/* /dev/pts/*
echo @@devlinks; for f in /dev/*; do [ -L "$f" ] && echo "$f -> $(readlink "$f")"; done
echo @@end
`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface View {
  code: number | null;
  stdout: string;
  stderr: string;
  sections: Record<string, string[]>;
}

interface Observation {
  /** The temp directory of bundle and state roots, removed at the end. */
  base: string;
  ids: Record<Runtime, string>;
  views: Record<Runtime, View>;
  config: Json;
  notes: string[];
}

function run(command: string, args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sectionsOf(stdout: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@')) sections[line.slice(2)] = current = [];
    else if (line !== '') current?.push(line);
  }
  return sections;
}

/** Writes the bundle with `skerry runtime spec`, so the defaults compared are the shipped ones. */
async function makeBundle(base: string): Promise<Json> {
  const bundle = path.join(base, 'bundle');
  buildBusyboxRootfs(path.join(bundle, 'rootfs'));
  const made = await runSkerry(['runtime', 'spec', '--bundle', bundle, '--', 'sh', '-c', PROBE]);
  if (made.code !== 0) throw new Error(`skerry runtime spec failed: ${made.stderr}`);
  const file = path.join(bundle, 'config.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
  config.linux.resources = { memory: { limit: MEMORY_LIMIT }, pids: { limit: PIDS_LIMIT } };
  // `skerry runtime spec` has no cgroup mount; `crun spec` and Docker have this one, and
  // without it no container can see its own limits.
  config.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] });
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return config;
}

let observed: Promise<Observation> | undefined;

/** Runs the bundle under the three runtimes once, for every test of this file. */
function observe(): Promise<Observation> {
  observed ??= (async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-parity-'));
    const bundle = path.join(base, 'bundle');
    const id = (runtime: Runtime) => `parity-${process.pid}-${runtime}`;
    const root = (runtime: Runtime) => path.join(base, `${runtime}-root`);
    const commands: Record<Runtime, [string, string[]]> = {
      skerry: [process.execPath, [SKERRY, 'runtime', 'run', '--root', root('skerry'), '--bundle', bundle, id('skerry')]],
      crun: ['crun', ['--root', root('crun'), 'run', '--bundle', bundle, id('crun')]],
      runc: ['runc', ['--root', root('runc'), 'run', '--bundle', bundle, id('runc')]],
    };
    const notes: string[] = [];
    const setup = prepareCgroupsForCrun();
    notes.push(setup.note);
    try {
      const config = await makeBundle(base);
      const views = {} as Record<Runtime, View>;
      // One after the other, all inside the same cgroup layout.
      for (const runtime of RUNTIMES) {
        const [command, args] = commands[runtime];
        const result = await run(command, args);
        views[runtime] = { ...result, sections: sectionsOf(result.stdout) };
      }
      return { base, ids: each(id), views, config, notes };
    } finally {
      await run(process.execPath, [SKERRY, 'runtime', 'delete', '--force', '--root', root('skerry'), id('skerry')]);
      for (const runtime of ['crun', 'runc'] as const) {
        await run(runtime, ['--root', root(runtime), 'delete', '--force', id(runtime)]);
        const removed = removeLeftoverCgroups(id(runtime));
        if (removed.length) notes.push(`removed cgroups ${runtime} left: ${removed.join(', ')}`);
      }
      notes.push(await setup.undo());
      fs.rmSync(base, { recursive: true, force: true });
    }
  })();
  return observed;
}

/** The views, after checking every runtime ran the probe to its end; `notes` logs the cgroup setup. */
async function views(t: ExecutionContext, notes = false): Promise<Observation> {
  const observation = await observe();
  if (notes) for (const note of observation.notes) t.log(note);
  for (const runtime of RUNTIMES) {
    const view = observation.views[runtime];
    t.is(view.code, 0, `${runtime} exited ${view.code}: ${view.stderr}`);
    t.is(view.sections.end !== undefined, true, `${runtime} did not run the probe to its end: ${view.stderr}`);
  }
  return observation;
}

rootTest(`the container's process is pid 1 and leads its own session and process group${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t, true);
  const seen = each((r) => {
    const [dollar = '', stat = ''] = v[r].sections.pid ?? [];
    // /proc/self/stat: pid (comm) state ppid pgrp session ...; count from the last ')'.
    const [state, ppid, pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { $$: dollar, pid: stat.split(' ')[0], state: state === undefined ? undefined : 'live', ppid, pgrp, session };
  });
  // crun and runc make the init a session leader (setsid) inside the pid namespace, so its
  // process group and session are 1. A 0 means they belong to a process outside the
  // container, which then shares a process group with host processes: kill(0, sig) in the
  // container signals those.
  t.deepEqual(seen, same({ $$: '1', pid: '1', state: 'live', ppid: '0', pgrp: '1', session: '1' }));
});

rootTest(`hostname, uid/gid, rlimits, cwd and umask are the same${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  const seen = each((r) => ({
    hostname: v[r].sections.hostname, id: v[r].sections.id, ulimit: v[r].sections.ulimit, cwd: v[r].sections.cwd, umask: v[r].sections.umask,
  }));
  t.deepEqual(seen, same({ hostname: ['skerry'], id: ['uid=0(root) gid=0(root)'], ulimit: ['1024', '1024'], cwd: ['/'], umask: ['0022'] }));
});

rootTest(`the environment is the same (HOME from the image's /etc/passwd when the spec has none)${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  // The spec sets PATH and TERM; sh adds PWD and SHLVL. crun and runc both add HOME from the
  // rootfs's /etc/passwd entry of process.user when process.env has no HOME.
  t.deepEqual(each((r) => v[r].sections.env), same([
    'HOME=/root', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'PWD=/', 'SHLVL=1', 'TERM=xterm',
  ]));
});

rootTest(`capabilities, no_new_privs and seccomp are the same, and the filter refuses the same calls${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  const norm = (lines: string[] | undefined) => (lines ?? []).map((l) => l.replace(/\s+/g, ' '));
  t.deepEqual(each((r) => norm(v[r].sections.status)), same([
    'CapInh: 0000000000000000',
    'CapPrm: 00000000a80425fb',
    'CapEff: 00000000a80425fb',
    'CapBnd: 00000000a80425fb',
    'CapAmb: 0000000000000000',
    'NoNewPrivs: 1',
    'Seccomp: 2',
    'Seccomp_filters: 1',
  ]));
  t.deepEqual(each((r) => v[r].sections.syscalls), same(['unshare-refused', 'mount-refused', 'sethostname-refused']));
});

interface MountEntry { mountPoint: string; root: string; fstype: string; ro: boolean }

function mountEntries(lines: string[] | undefined): MountEntry[] {
  return (lines ?? []).filter(Boolean).map((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const fields = left.split(' ');
    return { root: fields[3] ?? '', mountPoint: fields[4] ?? '', ro: (fields[5] ?? '').split(',').includes('ro'), fstype: right.split(' ')[0] ?? '' };
  });
}

/** "mount point, fs type, ro|rw" per mount; a masked file counts only as masked (see the top of the file). */
function normalizedMounts(lines: string[] | undefined, masked: string[]): string[] {
  return mountEntries(lines).map((m) => {
    if (masked.includes(m.mountPoint) && m.root === '/null') return `${m.mountPoint} masked by a null device`;
    return `${m.mountPoint} ${m.fstype} ${m.ro ? 'ro' : 'rw'}`;
  }).sort();
}

function difference(of: string[], from: string[]): { missing: string[]; extra: string[] } {
  return { missing: from.filter((m) => !of.includes(m)), extra: of.filter((m) => !from.includes(m)) };
}

rootTest(`the mount table is the same: mount points, fs types, read-only flags${NEEDS_ROOT}`, async (t) => {
  const { views: v, config } = await views(t);
  const masked = config.linux.maskedPaths as string[];
  const mounts = each((r) => normalizedMounts(v[r].sections.mountinfo, masked));
  // With v1 controllers (this machine's layout) crun and runc answer the spec's "cgroup"
  // mount with a tmpfs at /sys/fs/cgroup holding a read-only bind of the container's own
  // cgroup in each v1 hierarchy; on a pure v2 host they mount cgroup2 there.
  t.log(`crun's mounts:\n${mounts.crun.join('\n')}`);
  // The two references agree with each other, and skerry with them.
  t.deepEqual(difference(mounts.runc, mounts.crun), { missing: [], extra: [] }, 'runc vs crun');
  t.deepEqual(difference(mounts.skerry, mounts.crun), { missing: [], extra: [] }, 'skerry vs crun');
  // Sanity: the root, /sys and the read-only paths are read-only everywhere.
  for (const runtime of RUNTIMES) {
    const entries = mountEntries(v[runtime].sections.mountinfo);
    for (const point of ['/', '/sys', ...(config.linux.readonlyPaths as string[])]) {
      const entry = entries.find((m) => m.mountPoint === point);
      if (entry || point === '/' || point === '/sys') t.true(entry?.ro, `${runtime}: ${point} is not mounted read-only`);
    }
  }
});

rootTest(`masked paths read empty (and paths this kernel lacks stay absent)${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  const expected = PROBED_MASKS.map((p) => {
    if (!fs.existsSync(p)) return `${p} absent`;
    return fs.statSync(p).isDirectory() ? `${p} dir 0` : `${p} file 0`;
  });
  t.deepEqual(each((r) => v[r].sections.masked), same(expected));
});

rootTest(`the container sees its memory and pids limits in /sys/fs/cgroup, and its cgroup namespace root${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  const limits = each((r) => {
    const values = Object.fromEntries((v[r].sections.limits ?? []).map((l) => l.split(' ') as [string, string]));
    const memory = values['/sys/fs/cgroup/memory/memory.limit_in_bytes'] ?? values['/sys/fs/cgroup/memory.max'];
    const pids = values['/sys/fs/cgroup/pids/pids.max'] ?? values['/sys/fs/cgroup/pids.max'];
    return { memory, pids };
  });
  // Read through the spec's "cgroup" mount (see the mount table test for its shape).
  t.deepEqual(limits, same({ memory: String(MEMORY_LIMIT), pids: String(PIDS_LIMIT) }));
  // In its cgroup namespace every hierarchy's path is the root.
  const paths = each((r) => [...new Set((v[r].sections.proccgroup ?? []).map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1)))]);
  t.deepEqual(paths, same(['/']));
});

rootTest(`only fds 0-2 are open in the container${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  // `ls /proc/self/fd` also shows ls's own handle on the directory (3).
  t.deepEqual(each((r) => v[r].sections.fd), same(['0', '1', '2', '3']));
  t.deepEqual(each((r) => v[r].sections.initfd), same(['0', '1', '2']));
});

rootTest(`/dev holds the same nodes and links${NEEDS_ROOT}`, async (t) => {
  const { views: v } = await views(t);
  // crun alone adds /dev/core -> /proc/kcore; it is left out of its view.
  const dev = each((r) => (v[r].sections.dev ?? []).filter((l) => !l.startsWith('/dev/core ')));
  const links = each((r) => (v[r].sections.devlinks ?? []).filter((l) => !l.startsWith('/dev/core ')));
  t.deepEqual(dev, same(dev.runc));
  t.deepEqual(links, same(['/dev/fd -> /proc/self/fd', '/dev/ptmx -> pts/ptmx', '/dev/stderr -> /proc/self/fd/2', '/dev/stdin -> /proc/self/fd/0', '/dev/stdout -> /proc/self/fd/1']));
  t.true(dev.runc.includes('/dev/null character special file 666 1:3'), dev.runc.join('\n'));
});

rootTest(`nothing is left behind: no state, no cgroup${NEEDS_ROOT}`, async (t) => {
  const { base, ids } = await views(t, true);
  t.false(fs.existsSync(base));
  t.false(listContainerCgroups().includes(ids.skerry));
  const hierarchies = fs.readdirSync('/sys/fs/cgroup').map((name) => path.join('/sys/fs/cgroup', name));
  const left = hierarchies.flatMap((dir) => [ids.crun, ids.runc].map((id) => path.join(dir, id))).filter((dir) => fs.existsSync(dir));
  t.deepEqual(left, []);
});
