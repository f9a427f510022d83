// skerry's default seccomp profile: an allowlist modeled on Docker's (moby/profiles/seccomp)
// for x86_64 and aarch64. Anything not listed fails with EPERM, so syscalls newer than this
// list are refused until we review them. Where we differ from Docker, and why:
// - ptrace, process_vm_readv/writev are blocked (Docker allows them on kernels >= 4.8):
//   edge workloads have no need for debuggers, and ptrace has a long CVE history
//   (e.g. CVE-2019-13272). A pod that needs them can ship its own profile or CAP_SYS_PTRACE.
// - io_uring_setup/enter/register are blocked, as Docker does since 25.0: they bypass
//   seccomp for the operations they run and have had many kernel bugs.
// - Only the native architecture is listed: i386 and x32 syscalls kill the process.
// Some names exist on one architecture only (open, stat, fork, arch_prctl... are x86_64);
// the compiler skips the others silently for this profile.
import { DEFAULT_CAPABILITIES } from './capabilities.ts';
import type { OciSeccomp, OciSeccompSyscall } from './seccomp-profile.ts';

const EPERM = 1;
const ENOSYS = 38;
const AF_VSOCK = 40;
// CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
// PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and 0xffffffff which only queries.
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

const FILES = [
  'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'preadv2', 'pwritev', 'pwritev2', 'open', 'openat',
  'openat2', 'creat', 'close', 'close_range', 'dup', 'dup2', 'dup3', 'lseek', 'pipe', 'pipe2', 'fcntl', 'flock', 'fsync',
  'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'truncate', 'ftruncate', 'fallocate', 'fadvise64', 'readahead',
  'sendfile', 'splice', 'tee', 'vmsplice', 'copy_file_range', 'ioctl',
];
const PATHS = [
  'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'statfs', 'fstatfs', 'access', 'faccessat', 'faccessat2', 'getdents',
  'getdents64', 'getcwd', 'chdir', 'fchdir', 'mkdir', 'mkdirat', 'rmdir', 'rename', 'renameat', 'renameat2', 'link', 'linkat',
  'unlink', 'unlinkat', 'symlink', 'symlinkat', 'readlink', 'readlinkat', 'mknod', 'mknodat', 'umask', 'utime', 'utimes',
  'utimensat', 'futimesat', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat',
  'name_to_handle_at',
];
const XATTRS = [
  'getxattr', 'lgetxattr', 'fgetxattr', 'getxattrat', 'setxattr', 'lsetxattr', 'fsetxattr', 'setxattrat', 'listxattr',
  'llistxattr', 'flistxattr', 'listxattrat', 'removexattr', 'lremovexattr', 'fremovexattr', 'removexattrat', 'file_getattr',
  'file_setattr',
];
const MEMORY = [
  'brk', 'mmap', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'mlock', 'mlock2', 'mlockall', 'munlock',
  'munlockall', 'membarrier', 'memfd_create', 'memfd_secret', 'remap_file_pages', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  'map_shadow_stack', 'mseal', 'cachestat',
];
const PROCESSES = [
  'execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'wait4', 'waitid', 'kill', 'tkill', 'tgkill', 'getpid', 'getppid',
  'gettid', 'getpgid', 'getpgrp', 'getsid', 'setsid', 'setpgid', 'getpriority', 'setpriority', 'pidfd_open', 'pidfd_send_signal',
  'process_mrelease', 'prctl', 'arch_prctl', 'modify_ldt', 'get_thread_area', 'set_thread_area', 'set_tid_address',
  'set_robust_list', 'get_robust_list', 'rseq', 'restart_syscall', 'seccomp', 'landlock_create_ruleset', 'landlock_add_rule',
  'landlock_restrict_self', 'capget', 'capset', 'getrusage', 'getrlimit', 'setrlimit', 'prlimit64', 'times', 'sysinfo', 'uname',
  'ioprio_get', 'ioprio_set', 'getcpu', 'uretprobe',
];
const IDENTITY = [
  'getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid', 'getgroups', 'setuid', 'setgid', 'setreuid', 'setregid',
  'setresuid', 'setresgid', 'setfsuid', 'setfsgid', 'setgroups',
];
const SIGNALS = [
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigpending', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
  'rt_sigtimedwait', 'sigaltstack', 'signalfd', 'signalfd4', 'pause', 'alarm',
];
// Reading and adjusting clocks is allowed; setting them needs CAP_SYS_TIME in the kernel too.
const TIME = [
  'nanosleep', 'clock_nanosleep', 'clock_gettime', 'clock_getres', 'gettimeofday', 'time', 'getitimer', 'setitimer',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_settime', 'timerfd_create', 'timerfd_gettime',
  'timerfd_settime', 'clock_adjtime', 'adjtimex',
];
const SCHEDULING = [
  'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getattr', 'sched_setattr', 'sched_getparam', 'sched_setparam',
  'sched_getscheduler', 'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval',
];
const EVENTS = [
  'futex', 'futex_waitv', 'futex_wake', 'futex_wait', 'futex_requeue', 'epoll_create', 'epoll_create1', 'epoll_ctl',
  'epoll_ctl_old', 'epoll_wait', 'epoll_wait_old', 'epoll_pwait', 'epoll_pwait2', 'eventfd', 'eventfd2', 'poll', 'ppoll',
  'select', 'pselect6', 'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch', 'fanotify_mark',
  'io_setup', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_submit', 'io_cancel', 'getrandom',
];
const NETWORK = [
  'socketpair', 'bind', 'connect', 'listen', 'accept', 'accept4', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt',
  'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown',
];
const SYSV_IPC = [
  'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semctl', 'shmget', 'shmat', 'shmdt', 'shmctl',
  'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr',
];

/** Syscalls a capability unlocks, as Docker grants them when a container has it. */
const BY_CAPABILITY: Record<string, string[]> = {
  CAP_SYS_ADMIN: [
    'bpf', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount', 'mount_setattr', 'move_mount',
    'open_tree', 'open_tree_attr', 'perf_event_open', 'quotactl', 'quotactl_fd', 'setdomainname', 'sethostname', 'setns',
    'syslog', 'umount2', 'unshare', 'clone', 'clone3',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd', 'process_madvise'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'clock_settime'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
};

/**
 * Rules that hold whatever the capabilities: arguments a container must not pass. socket's
 * domain and personality's persona are 32-bit in the kernel, which ignores the register's
 * upper half; comparing all 64 bits (as Docker's `socket != 40` does) would let
 * 0x1_0000_0028 past the filter and still open an AF_VSOCK socket. So only the low half is
 * compared.
 */
function argumentRules(): OciSeccompSyscall[] {
  const low = (value: number) => [{ index: 0, value: 0xffffffff, valueTwo: value, op: 'SCMP_CMP_MASKED_EQ' }];
  return [
    // AF_VSOCK would reach the hypervisor's host side.
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: EPERM, args: low(AF_VSOCK) },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW' },
    ...PERSONALITIES.map((value) => ({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: low(value) })),
  ];
}

/** Without CAP_SYS_ADMIN: threads and forks yes, new namespaces no. */
function cloneRules(): OciSeccompSyscall[] {
  return [
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
    // clone3 passes its flags in memory, out of seccomp's sight: ENOSYS makes libc fall back to clone.
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
  ];
}

/** The default profile for a container with the given capabilities (Docker's 14 when omitted). */
export function defaultSeccompProfile(capabilities: readonly string[] = DEFAULT_CAPABILITIES): OciSeccomp {
  const allowed = [FILES, PATHS, XATTRS, MEMORY, PROCESSES, IDENTITY, SIGNALS, TIME, SCHEDULING, EVENTS, NETWORK, SYSV_IPC].flat();
  const unlocked = [...new Set(capabilities.flatMap((cap) => BY_CAPABILITY[cap] ?? []))];
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
    syscalls: [
      { names: [...allowed, ...unlocked], action: 'SCMP_ACT_ALLOW' },
      ...argumentRules(),
      ...(capabilities.includes('CAP_SYS_ADMIN') ? [] : cloneRules()),
    ],
  };
}
