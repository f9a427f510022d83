// What a container sees from inside: every claim is checked by a program in the container.
import fs from 'node:fs';
import test from 'ava';
import { isSkerryError } from '../common/index.ts';
import { makeBundle, runBundle, type TestBundle } from './helpers/bundle.ts';

const isRoot = process.getuid?.() === 0;
const rootTest = isRoot ? test : test.skip;
const NEEDS_ROOT = ' (needs root: namespaces and mounts)';

function bundleFor(t: { teardown(fn: () => void): void }, name: string, script: string, edit?: (c: Record<string, any>) => void): TestBundle { // eslint-disable-line @typescript-eslint/no-explicit-any
  const bundle = makeBundle(name, ['sh', '-c', script], edit);
  t.teardown(bundle.remove);
  return bundle;
}

function hasCapability(cap: number): boolean {
  const eff = fs.readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)/m)![1]!;
  return ((BigInt(`0x${eff}`) >> BigInt(cap)) & 1n) === 1n;
}

function statusField(stdout: string, field: string): string | undefined {
  return stdout.split('\n').find((l) => l.startsWith(`${field}:`))?.trim().split(/\s+/).slice(1).join(' ');
}

rootTest(`the container's process is pid 1 and sees only its own tree${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'pid1', 'echo self=$$; ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\\n" " "');
  const run = await runBundle(bundle);
  t.is(run.exit.exitCode, 0, run.stderr);
  t.regex(run.stdout, /^self=1\n/);
  // sh (1), and the pipeline's ls/grep/sort/tr: nothing from the host.
  const pids = run.stdout.split('\n')[1]!.trim().split(' ').map(Number);
  t.is(pids[0], 1);
  t.true(pids.every((p) => p < 10), `pids seen: ${pids.join(' ')}`);
});

rootTest(`hostname, env and cwd come from the spec${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'uts', 'hostname; echo "FOO=$FOO"; pwd', (c) => {
    c.hostname = 'skerry-box';
    c.process.env.push('FOO=bar baz');
    c.process.cwd = '/tmp';
  });
  const run = await runBundle(bundle);
  t.is(run.stdout, 'skerry-box\nFOO=bar baz\n/tmp\n');
});

rootTest(`proc, a read-only sys and /dev with its nodes, pts, shm and mqueue are mounted${NEEDS_ROOT}`, async (t) => {
  const script = [
    'cat /proc/self/mountinfo | while read -r id p maj root mp opts rest; do echo "$mp $opts ${rest##* - }"; done',
    'echo ---; ls /dev | tr "\\n" " "; echo',
    'echo x > /dev/null && head -c 5 /dev/zero | wc -c && head -c 3 /dev/urandom | wc -c',
    'for l in fd stdin ptmx; do printf "%s " "$(readlink /dev/$l)"; done',
  ].join('; ');
  const run = await runBundle(bundleFor(t, 'mounts', script));
  t.is(run.exit.exitCode, 0, run.stderr);
  const [mounts, rest] = run.stdout.split('---\n') as [string, string];
  const fstypeAt = (mp: string) => mounts.split('\n').find((l) => l.startsWith(`${mp} `));
  t.regex(fstypeAt('/proc')!, / proc proc /);
  t.regex(fstypeAt('/sys')!, /^\/sys ro,.* sysfs sysfs /);
  t.regex(fstypeAt('/dev')!, / tmpfs tmpfs /);
  t.regex(fstypeAt('/dev/pts')!, / devpts devpts /);
  t.regex(fstypeAt('/dev/shm')!, / tmpfs shm /);
  t.regex(fstypeAt('/dev/mqueue')!, / mqueue mqueue /);
  const dev = rest.split('\n')[0]!.split(' ');
  for (const name of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'mqueue', 'fd', 'stdin', 'stdout', 'stderr', 'ptmx']) {
    t.true(dev.includes(name), `/dev/${name} missing: ${dev.join(' ')}`);
  }
  t.regex(rest, /\n5\n3\n\/proc\/self\/fd \/proc\/self\/fd\/0 pts\/ptmx $/);
});

rootTest(`masked paths show nothing, read-only paths and the root refuse writes${NEEDS_ROOT}`, async (t) => {
  const script = [
    'echo "keys=$(cat /proc/keys | wc -c)"',
    'echo "firmware=$(ls -A /sys/firmware | wc -l)"',
    'echo "acpi=$(ls -A /proc/acpi | wc -l)"',
    '(echo 1 > /proc/sys/kernel/domainname) 2>&1 | grep -o "Read-only file system" | sed "s/^/procsys=/"',
    '(touch /newfile) 2>&1 | grep -o "Read-only file system" | sed "s/^/root=/"',
    'touch /dev/shm/ok && echo shm=writable',
  ].join('; ');
  const run = await runBundle(bundleFor(t, 'masks', script));
  t.is(run.stdout, 'keys=0\nfirmware=0\nacpi=0\nprocsys=Read-only file system\nroot=Read-only file system\nshm=writable\n');
});

rootTest(`uid, gid and additional gids are set, with no capabilities left for a non-root user${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'ids', 'grep -E "^(Uid|Gid|Groups|CapEff|CapInh):" /proc/self/status', (c) => {
    c.process.user = { uid: 1000, gid: 1001, additionalGids: [10, 20] };
  });
  const run = await runBundle(bundle);
  t.is(statusField(run.stdout, 'Uid'), '1000 1000 1000 1000');
  t.is(statusField(run.stdout, 'Gid'), '1001 1001 1001 1001');
  t.is(statusField(run.stdout, 'Groups'), '10 20');
  t.is(statusField(run.stdout, 'CapEff'), '0000000000000000');
  t.is(statusField(run.stdout, 'CapInh'), '0000000000000000');
});

rootTest(`capabilities are Docker's 14, inheritable is empty, no_new_privs is on and a filter makes Seccomp 2${NEEDS_ROOT}`, async (t) => {
  // x86-64: mkdir (83) and mkdirat (258) fail with EPERM, everything else is allowed.
  const insn = (code: number, jt: number, jf: number, k: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(code, 0), b.writeUInt8(jt, 2), b.writeUInt8(jf, 3), b.writeUInt32LE(k >>> 0, 4);
    return b;
  };
  const program = Buffer.concat([
    insn(0x20, 0, 0, 0), insn(0x15, 1, 0, 83), insn(0x15, 0, 1, 258), insn(0x06, 0, 0, 0x00050001), insn(0x06, 0, 0, 0x7fff0000),
  ]);
  const script = 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status; mkdir /dev/shm/d 2>&1 | grep -o "Operation not permitted"';
  const run = await runBundle(bundleFor(t, 'caps', script), process.arch === 'x64' ? { seccompProgram: program } : {});
  t.is(statusField(run.stdout, 'CapInh'), '0000000000000000');
  t.is(statusField(run.stdout, 'CapEff'), '00000000a80425fb');
  t.is(statusField(run.stdout, 'CapPrm'), '00000000a80425fb');
  t.is(statusField(run.stdout, 'CapBnd'), '00000000a80425fb');
  t.is(statusField(run.stdout, 'CapAmb'), '0000000000000000');
  t.is(statusField(run.stdout, 'NoNewPrivs'), '1');
  if (process.arch !== 'x64') return t.log('seccomp part skipped: the literal filter uses x86-64 syscall numbers');
  t.is(statusField(run.stdout, 'Seccomp'), '2');
  t.regex(run.stdout, /Operation not permitted/);
});

rootTest(`only fds 0-2 reach the container's process${NEEDS_ROOT}`, async (t) => {
  // sh is pid 1 ("; true" keeps it from exec'ing ls); ls lists sh's fds. No pipeline: sh
  // would hold the pipe's ends for a moment while ls already runs, and ls would list them.
  const run = await runBundle(bundleFor(t, 'fds', 'ls /proc/1/fd; true'));
  t.deepEqual(run.stdout.split('\n').filter(Boolean), ['0', '1', '2']);
});

rootTest(`rlimits are applied, and one above the inherited hard limit is refused by name${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'rlimit', 'grep -E "^Max (open files|core file size)" /proc/self/limits', (c) => {
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 900 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
  });
  const run = await runBundle(bundle);
  t.regex(run.stdout, /Max open files\s+512\s+900\s+files/);
  t.regex(run.stdout, /Max core file size\s+0\s+0\s+bytes/);

  if (hasCapability(24)) return t.log('over-limit part skipped: this process has CAP_SYS_RESOURCE and may raise hard limits');
  const tooHigh = bundleFor(t, 'rlimit-high', 'true', (c) => {
    c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }, { type: 'RLIMIT_NOFILE', soft: 1024, hard: 2 ** 40 }];
  });
  const error = await t.throwsAsync(runBundle(tooHigh));
  t.true(isSkerryError(error, 'CONFIG_INVALID'));
  t.regex(error!.message, /process\.rlimits\[1\] \(RLIMIT_NOFILE\) asks for a hard limit of 1099511627776, above the inherited hard limit \d+; raising it needs CAP_SYS_RESOURCE/);
});

rootTest(`a new user namespace maps ids, and devices are bound from the host instead of made${NEEDS_ROOT}`, async (t) => {
  const bundle = bundleFor(t, 'userns', 'cat /proc/self/uid_map /proc/self/gid_map; id -u; ls -ln /dev/null', (c) => {
    c.linux.namespaces.push({ type: 'user' });
    c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  });
  fs.chmodSync(bundle.base, 0o755); // the namespace's root is host uid 200000: it must reach the rootfs
  const run = await runBundle(bundle);
  t.is(run.exit.exitCode, 0, run.stderr);
  const lines = run.stdout.split('\n').map((l) => l.trim().split(/\s+/));
  t.deepEqual(lines[0], ['0', '200000', '65536']);
  t.deepEqual(lines[1], ['0', '200000', '65536']);
  t.is(lines[2]![0], '0');
  // The host's /dev/null (owned by host root, unmapped here: 65534).
  t.deepEqual(lines[3]!.slice(0, 6), ['crw-rw-rw-', '1', '65534', '65534', '1,', '3']);
});
