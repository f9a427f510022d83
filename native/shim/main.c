/*
 * skerry-shim: one per container. Reads the plan (fd 3), joins or creates the namespaces,
 * clones the container's init, reports {started pid | failed step, errno} on the sync
 * socket (fd 4), then stays as the container's parent: relays its output into the CRI
 * log, reaps it, writes <state>/exit and exits with the container's exit code.
 */
#include "sys.h"

#include <linux/magic.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "steps.h"
#include "supervise.h"

static struct plan g_plan;

/* What the shim-phase records ask for; indexes name the record a failure belongs to. */
struct config {
  uint64_t clone_flags;
  int clone_idx, log_idx, state_idx, map_idx[2];
  int log_fd, state_fd, null_fd;
};

static void report(int32_t type, int pid, int step, int err, int status) {
  int sig = type == SYNC_EXITED && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  struct sync_msg msg = {type, pid, step, err, type == SYNC_EXITED ? exit_code_of(status) : 0, sig};
  /* MSG_NOSIGNAL: an agent that went away must not kill the shim with SIGPIPE. */
  while (send(SYNC_FD, &msg, sizeof msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

static void die(int step, int err) __attribute__((noreturn));
static void die(int step, int err) {
  report(SYNC_FAILED, 0, step, err, 0);
  sys_exit(255);
}

static void reset_signals(void) {
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++) sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Opens what the shim needs from the host before joining any namespace. */
static void read_config(struct config *c) {
  *c = (struct config){.clone_idx = -1, .log_idx = -1, .state_idx = -1, .map_idx = {-1, -1}, .log_fd = -1, .state_fd = -1};
  for (uint32_t i = 0; i < g_plan.count; i++) {
    const struct step *s = &g_plan.steps[i];
    if (s->op == OP_CLONE) c->clone_idx = (int)i, c->clone_flags = s->num[0];
    if (s->op == OP_ID_MAP) c->map_idx[s->num[0] ? 1 : 0] = (int)i;
    if (s->op == OP_LOG) {
      c->log_idx = (int)i;
      c->log_fd = openat(AT_FDCWD, s->str[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
      if (c->log_fd < 0) die((int)i, errno);
    }
    if (s->op == OP_STATE_DIR) {
      c->state_idx = (int)i;
      c->state_fd = openat(AT_FDCWD, s->str[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (c->state_fd < 0) die((int)i, errno);
    }
  }
  if (c->clone_idx < 0 || c->state_idx < 0) die(-1, EBADMSG);
  c->null_fd = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
  if (c->null_fd < 0) die(c->clone_idx, errno);
}

static void join_namespaces(void) {
  for (uint32_t i = 0; i < g_plan.count; i++) {
    const struct step *s = &g_plan.steps[i];
    if (s->op != OP_JOIN_NS) continue;
    int fd = openat(AT_FDCWD, s->str[0], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || syscall(SYS_setns, fd, (int)s->num[0]) != 0) die((int)i, errno);
    sys_close(fd);
  }
}

/* A copy of fd at ≥ 10, so the init can place its fds on 0-3 without clobbering any. */
static int high(int fd) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (copy < 0) die(-1, errno);
  sys_close(fd);
  return copy;
}

static void write_map(int pid, int idx) {
  const struct step *s = &g_plan.steps[idx];
  char path[64] = "/proc/", *p = path + 6;
  p += fmt_u64(p, (uint64_t)pid);
  const char *leaf = s->num[0] ? "/gid_map" : "/uid_map";
  for (size_t i = 0; i <= str_len(leaf); i++) p[i] = leaf[i];
  int fd = openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
  struct statfs sfs;
  int ok = fd >= 0 && fstatfs(fd, &sfs) == 0 && (sfs.f_type == PROC_SUPER_MAGIC || (errno = EXDEV, 0));
  if (ok) ok = sys_write_all(fd, s->str[0], s->len[0]) == 0;
  int err = errno;
  if (fd >= 0) sys_close(fd);
  if (!ok) kill(pid, SIGKILL), waitpid(pid, NULL, 0), die(idx, err);
}

/* Node keeps its stdio pipes and terminals O_NONBLOCK; a container writing there would
 * meet EAGAIN. Reopening /proc/self/fd/N gives a new open file description for pipes and
 * terminals, so blocking mode is ours alone and the agent's fd keeps its flags. */
static void unblock_stdio(void) {
  for (int fd = 0; fd < 3; fd++) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || !(flags & O_NONBLOCK)) continue;
    char path[] = "/proc/self/fd/0";
    path[sizeof path - 2] = (char)('0' + fd);
    int copy = openat(AT_FDCWD, path, (flags & O_ACCMODE) | O_CLOEXEC);
    if (copy >= 0) sys_dup3(copy, fd, 0), sys_close(copy);
  }
}

struct pipes {
  int error[2], wait[2], out[2], err[2];
};

static void make_pipes(const struct config *c, struct pipes *p) {
  *p = (struct pipes){{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
  if (pipe2(p->error, O_CLOEXEC) != 0) die(c->clone_idx, errno);
  if (c->map_idx[0] >= 0 || c->map_idx[1] >= 0)
    if (pipe2(p->wait, O_CLOEXEC) != 0) die(c->clone_idx, errno);
  if (c->log_fd >= 0 && (pipe2(p->out, O_CLOEXEC | O_NONBLOCK) != 0 || pipe2(p->err, O_CLOEXEC | O_NONBLOCK) != 0))
    die(c->log_idx, errno);
  /* The container's ends block, as a program expects of its stdout. */
  if (c->log_fd >= 0) fcntl(p->out[1], F_SETFL, 0), fcntl(p->err[1], F_SETFL, 0);
  p->error[1] = high(p->error[1]);
  if (p->wait[0] >= 0) p->wait[0] = high(p->wait[0]);
  if (c->log_fd >= 0) p->out[1] = high(p->out[1]), p->err[1] = high(p->err[1]);
}

static int start_init(struct config *c, struct pipes *p) {
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd < 0) die(c->clone_idx, errno);
  int logged = c->log_fd >= 0;
  struct init_ctx ctx = {&g_plan, high(pidfd), p->error[1], p->wait[0],
                         {logged ? high(c->null_fd) : -1, logged ? p->out[1] : -1, logged ? p->err[1] : -1}};
  if (!logged) sys_close(c->null_fd);
  long pid = syscall(SYS_clone, c->clone_flags | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) init_main(&ctx);
  int err = errno;
  int child_ends[] = {ctx.shim_pidfd, ctx.stdio[0], ctx.stdio[1], ctx.stdio[2], p->error[1], p->wait[0]};
  for (size_t i = 0; i < sizeof child_ends / sizeof child_ends[0]; i++)
    if (child_ends[i] >= 0) sys_close(child_ends[i]);
  if (pid < 0) die(c->clone_idx, err);
  return (int)pid;
}

/* Reads {record index, errno} from the init, or EOF once it exec'd. */
static void await_exec(int pid, int error_fd) {
  int32_t failure[2];
  long n = sys_read_full(error_fd, failure, sizeof failure);
  sys_close(error_fd);
  if (n == (long)sizeof failure) {
    waitpid(pid, NULL, 0);
    report(SYNC_FAILED, pid, failure[0], failure[1], 0);
    sys_exit(255);
  }
}

int main(void) {
  reset_signals();
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int err = plan_read(PLAN_FD, &g_plan);
  if (err) die(-1, err);
  sys_close(PLAN_FD);
  struct config c;
  read_config(&c);
  join_namespaces();
  if (c.log_fd >= 0) setsid(); /* a terminal's ^C is for the agent, not for the container */
  else unblock_stdio();
  struct pipes p;
  make_pipes(&c, &p);
  int pid = start_init(&c, &p);
  for (int i = 0; i < 2; i++)
    if (c.map_idx[i] >= 0) write_map(pid, c.map_idx[i]);
  if (p.wait[1] >= 0 && (sys_write_all(p.wait[1], "g", 1), 1)) sys_close(p.wait[1]);
  await_exec(pid, p.error[0]);
  report(SYNC_STARTED, pid, 0, 0, 0);
  int status = supervise(pid, c.log_fd, p.out[0], p.err[0]);
  if (write_exit_record(c.state_fd, pid, status) != 0) report(SYNC_FAILED, pid, c.state_idx, errno, 0);
  report(SYNC_EXITED, pid, 0, 0, status);
  return exit_code_of(status);
}
