/*
 * The container's init, from clone to exec: place the fds, wait for the id maps, run every
 * step in plan order, report the first failure as {record index, errno} and exit.
 */
#include "sys.h"

#include <linux/close_range.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/statfs.h>

#include "steps.h"

static const char *const *g_envp;
static const char *const g_empty_env[] = {NULL};

/* nums: fs magic (0 = any) ×2; strs: host path, data. Used to join cgroups ("0" into
 * cgroup.procs), so the magic proves the file is on a cgroup filesystem. */
static int write_file(const struct step *s) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, s->str[0], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  struct statfs sfs;
  int rc = fstatfs(fd, &sfs);
  if (rc == 0 && s->num[0] && (uint64_t)sfs.f_type != s->num[0] && (uint64_t)sfs.f_type != s->num[1])
    rc = -1, errno = EXDEV;
  if (rc == 0) rc = (int)sys_write_all(fd, s->str[1], s->len[1]);
  int err = errno;
  sys_close(fd);
  return rc == 0 ? 0 : (errno = err, -1);
}

static int run_step(const struct step *s) {
  switch (s->op) {
    case OP_WRITE_FILE: return write_file(s);
    case OP_UNSHARE: return (int)syscall(SYS_unshare, s->num[0]);
    case OP_MOUNT_HOST: return step_mount_host(s);
    case OP_ROOT_OPEN: return step_root_open(s);
    case OP_MKDIR: return step_mkdir(s);
    case OP_MKFILE: return step_mkfile(s);
    case OP_MOUNT_FS: return step_mount_fs(s);
    case OP_MOUNT_BIND: return step_mount_bind(s);
    case OP_MKNOD: return step_mknod(s);
    case OP_SYMLINK: return step_symlink(s);
    case OP_MASK: return step_mask(s);
    case OP_READONLY: return step_readonly(s);
    case OP_PIVOT_ROOT: return step_pivot_root();
    case OP_ROOT_READONLY: return step_root_readonly();
    case OP_HOSTNAME: return (int)syscall(SYS_sethostname, s->str[0], s->len[0]);
    case OP_RLIMIT: return step_rlimit(s);
    case OP_CAPS_BOUNDING: return step_caps_bounding(s);
    case OP_KEEP_CAPS: return (int)syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
    case OP_SET_GROUPS: return step_set_groups(s);
    case OP_SET_GID: return (int)syscall(SYS_setresgid, s->num[0], s->num[0], s->num[0]);
    case OP_SET_UID: return (int)syscall(SYS_setresuid, s->num[0], s->num[0], s->num[0]);
    case OP_CAPS_SET: return step_caps_set(s);
    case OP_NO_NEW_PRIVS: return (int)syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    case OP_SECCOMP: return step_seccomp(s);
    case OP_CHDIR: return (int)syscall(SYS_chdir, s->str[0]);
    case OP_ENV: return g_envp = (const char *const *)s->str, 0;
    case OP_EXEC: return step_exec(s, g_envp ? g_envp : g_empty_env);
  }
  return errno = ENOSYS, -1;
}

static void fail(int fd, uint32_t index) {
  int32_t report[2] = {(int32_t)index, errno};
  sys_write_all(fd, report, sizeof report);
  sys_exit(127);
}

/* Where the init's end of the gate socket sits once the fds are placed. */
#define GATE_FD 4

/* Moves the shim-provided fds to 0-4 (all sources are ≥ 10) and closes everything else. */
static void place_fds(const struct init_ctx *ctx) {
  for (int i = 0; i < 3; i++)
    if (ctx->stdio[i] >= 0 && sys_dup3(ctx->stdio[i], i, 0) < 0) fail(ctx->error_fd, (uint32_t)-1);
  if (sys_dup3(ctx->error_fd, 3, O_CLOEXEC) < 0) fail(ctx->error_fd, (uint32_t)-1);
  if (ctx->gate_fd >= 0 && sys_dup3(ctx->gate_fd, GATE_FD, O_CLOEXEC) < 0) fail(3, (uint32_t)-1);
  syscall(SYS_close_range, ctx->gate_fd >= 0 ? GATE_FD + 1 : GATE_FD, ~0U, 0);
}

/* The shim finishes its own setup (opening the log) while the init mounts; nothing of the
 * container's own may run before it has: the gate opens before seccomp (which could forbid
 * read) and exec. A shim that failed kills the init instead, or its death closes the gate. */
static void pass_gate(void) {
  char go;
  if (sys_read_full(GATE_FD, &go, 1) != 1) sys_exit(127);
  sys_close(GATE_FD);
}

void init_main(const struct init_ctx *ctx) {
  /* Die with the shim while being set up, and stay undumpable until exec so nothing in
   * the container can ptrace or read /proc/1/{mem,fd} of a process holding host fds. */
  syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  struct pollfd shim = {ctx->shim_pidfd, POLLIN, 0};
  if (syscall(SYS_poll, &shim, 1, 0) != 0) sys_exit(127); /* the shim died before PDEATHSIG */
  syscall(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0);
  char go;
  if (ctx->wait_fd >= 0 && sys_read_full(ctx->wait_fd, &go, 1) != 1) sys_exit(127);
  place_fds(ctx);
  /* Its own session and process group, as under crun and runc: a "kill 0" inside must not
   * reach the shim, the agent or the terminal's foreground group. */
  if (syscall(SYS_setsid) < 0) fail(3, (uint32_t)-1);
  syscall(SYS_umask, 0); /* modes in the plan are exact; EXEC sets the process's umask */
  const struct plan *plan = ctx->plan;
  int gated = ctx->gate_fd >= 0;
  for (uint32_t i = 0; i < plan->count; i++) {
    const struct step *s = &plan->steps[i];
    if (s->op < FIRST_INIT_OP) continue;
    if (gated && (s->op == OP_SECCOMP || s->op == OP_EXEC)) pass_gate(), gated = 0;
    /* The container outlives its shim once running, as it outlives the agent. */
    if (s->op == OP_EXEC) syscall(SYS_prctl, PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (run_step(s) != 0) fail(3, i);
  }
  errno = ENOEXEC; /* a plan without an exec step */
  fail(3, plan->count);
  sys_exit(127);
}
