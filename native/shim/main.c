/*
 * skerry-shim: one per container. Reads the plan (fd 3), joins or creates the namespaces,
 * clones the container's init, reports {started pid | failed step, errno} on the sync
 * socket (fd 4), then stays as the container's parent: relays its output into the CRI
 * log, reaps it, writes <state>/exit and exits with the container's exit code.
 *
 * In exec mode (a JOIN_PROCESS record, no STATE_DIR) the same path forks a process inside
 * a running container instead: joined namespaces, moved into the container's cgroups by
 * the shim, then the same steps as an init; its exit is reported, never recorded.
 */
#include "sys.h"

#include <linux/magic.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <string.h>
#include <sys/wait.h>

#include "steps.h"
#include "supervise.h"

static struct plan g_plan;

/* What the shim-phase records ask for; indexes name the record a failure belongs to. */
struct config {
  uint64_t clone_flags;
  int clone_idx, log_idx, state_idx, await_idx, map_idx[2];
  int log_fd, state_fd, null_fd;
  int log_late; /* open the log while the init sets up (the shim joins no namespace) */
  int cgroup_count, cgroup_idx[MAX_CGROUPS], cgroup_fd[MAX_CGROUPS];
};

static void report(int32_t type, int pid, int step, int err, int status) {
  int sig = type == SYNC_EXITED && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  struct sync_msg msg = {type, pid, step, err, type == SYNC_EXITED ? exit_code_of(status) : 0, sig};
  /* MSG_NOSIGNAL: an agent that went away must not kill the shim with SIGPIPE. */
  while (send(SYNC_FD, &msg, sizeof msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

/* EXITED carries when the init was reaped, CLOCK_REALTIME nanoseconds split over step (low
 * 32 bits) and err (high): the agent's exitedAt, the same instant as the exit record's. */
static void report_exit(int pid, int status, const struct timespec *at) {
  uint64_t ns = (uint64_t)at->tv_sec * 1000000000u + (uint64_t)at->tv_nsec;
  report(SYNC_EXITED, pid, (int)(uint32_t)ns, (int)(uint32_t)(ns >> 32), status);
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

static int open_log(const struct step *s) {
  return openat(AT_FDCWD, s->str[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
}

/* nums: fs magic ×2; strs: path. Opened on the host, before the container's mount namespace
 * is joined, so nothing inside the container can stand in for the file; the magic proves
 * it is on a cgroup filesystem. */
static int open_cgroup_procs(const struct step *s) {
  int fd = openat(AT_FDCWD, s->str[0], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  struct statfs sfs;
  if (fd < 0) return -1;
  int rc = fstatfs(fd, &sfs);
  if (rc == 0 && (uint64_t)sfs.f_type != s->num[0] && (uint64_t)sfs.f_type != s->num[1]) rc = -1, errno = EXDEV;
  if (rc == 0) return fd;
  int err = errno;
  sys_close(fd);
  return errno = err, -1;
}

static void add_cgroup(struct config *c, const struct step *s, int idx) {
  if (c->cgroup_count == MAX_CGROUPS) die(idx, E2BIG);
  int fd = open_cgroup_procs(s);
  if (fd < 0) die(idx, errno);
  c->cgroup_idx[c->cgroup_count] = idx, c->cgroup_fd[c->cgroup_count++] = fd;
}

static void open_state_dir(struct config *c) {
  c->state_fd = openat(AT_FDCWD, g_plan.steps[c->state_idx].str[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->state_fd < 0) die(c->state_idx, errno);
}

static void open_log_now(struct config *c) {
  c->log_fd = open_log(&g_plan.steps[c->log_idx]);
  if (c->log_fd < 0) die(c->log_idx, errno);
}

/* Opens what the shim needs from the host before joining any namespace. The log may be a
 * new file on a slow filesystem: when the shim joins no namespace, it is opened after the
 * clone instead, while the init does its mounts (see finish_setup). */
static void read_config(struct config *c) {
  *c = (struct config){.clone_idx = -1, .log_idx = -1, .state_idx = -1, .await_idx = -1, .map_idx = {-1, -1}, .log_fd = -1, .state_fd = -1};
  int joins = 0;
  for (uint32_t i = 0; i < g_plan.count; i++) {
    const struct step *s = &g_plan.steps[i];
    if (s->op == OP_CLONE) c->clone_idx = (int)i, c->clone_flags = s->num[0];
    if (s->op == OP_ID_MAP) c->map_idx[s->num[0] ? 1 : 0] = (int)i;
    if (s->op == OP_CGROUP_PROCS) add_cgroup(c, s, (int)i);
    if (s->op == OP_JOIN_NS || s->op == OP_JOIN_PROCESS) joins = 1;
    if (s->op == OP_LOG) c->log_idx = (int)i;
    if (s->op == OP_AWAIT_AGENT) c->await_idx = (int)i;
    if (s->op == OP_STATE_DIR) c->state_idx = (int)i;
  }
  if (c->clone_idx < 0) die(-1, EBADMSG);
  /* A held start's agent makes the state dir while the shim starts (see await_agent). */
  if (c->state_idx >= 0 && c->await_idx < 0) open_state_dir(c);
  if (c->log_idx >= 0 && joins) open_log_now(c);
  c->log_late = c->log_idx >= 0 && !joins;
  c->null_fd = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
  if (c->null_fd < 0) die(c->clone_idx, errno);
}

/* Field 22 of /proc/<pid>/stat, the start time in clock ticks since boot; 0 when unreadable.
 * The command name (field 2) may hold spaces and parentheses: count from the last ')'. */
static uint64_t start_time_of(int pid) {
  char path[48] = "/proc/", buf[1024];
  size_t at = 6 + fmt_u64(path + 6, (uint64_t)pid);
  memcpy(path + at, "/stat", 6);
  int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) sys_close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  int spaces = 0;
  while (p && *p && spaces < 20) spaces += *p++ == ' ';
  uint64_t value = 0;
  while (p && *p >= '0' && *p <= '9') value = value * 10 + (uint64_t)(*p++ - '0');
  return spaces == 20 ? value : 0;
}

/* nums: pid, start time, namespace flags. The pidfd pins one process; its start time read
 * afterwards proves that process is the container's init and not a reused pid (ESRCH
 * otherwise). One setns(pidfd) joins every namespace at once, the user namespace first.
 * The pid namespace applies to children only: the exec'd process is forked after this. */
static void join_process(const struct step *s, int idx) {
  /* From here the shim lives in the container's namespaces while holding host fds: keep
   * /proc/<shim>/{fd,mem} and ptrace out of reach; the forked child inherits this. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int pid = (int)s->num[0];
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) die(idx, errno);
  if (start_time_of(pid) != s->num[1]) die(idx, ESRCH);
  if (syscall(SYS_setns, pidfd, (int)s->num[2]) != 0) die(idx, errno);
  sys_close(pidfd);
}

static void join_namespaces(void) {
  for (uint32_t i = 0; i < g_plan.count; i++) {
    const struct step *s = &g_plan.steps[i];
    if (s->op == OP_JOIN_PROCESS) join_process(s, (int)i);
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

/* Moves the forked exec process into the container's cgroups before it runs any step. The
 * pid is the child's in the shim's own pid namespace, which is how the kernel reads it. */
static void join_cgroups(struct config *c, int pid) {
  char text[24];
  size_t n = fmt_u64(text, (uint64_t)pid);
  for (int i = 0; i < c->cgroup_count; i++) {
    if (sys_write_all(c->cgroup_fd[i], text, n) != 0) {
      int err = errno;
      kill(pid, SIGKILL), waitpid(pid, NULL, 0), die(c->cgroup_idx[i], err);
    }
    sys_close(c->cgroup_fd[i]);
  }
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

/* One byte that lets the init go on, then the shim's end goes. */
static void let_on(int fd) {
  while (send(fd, "g", 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  sys_close(fd);
}

struct pipes {
  int error[2], wait[2], gate[2], out[2], err[2];
};

static void make_pipes(const struct config *c, struct pipes *p) {
  *p = (struct pipes){{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}};
  int logged = c->log_idx >= 0;
  if (pipe2(p->error, O_CLOEXEC) != 0) die(c->clone_idx, errno);
  /* Sockets, not pipes: the init may be gone when the shim lets it on (killed meanwhile, or
   * a failed mount before the gate), and send(MSG_NOSIGNAL) then fails where a pipe's
   * write would raise SIGPIPE and kill the shim. */
  if (c->map_idx[0] >= 0 || c->map_idx[1] >= 0 || c->cgroup_count > 0 || c->await_idx >= 0)
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->wait) != 0) die(c->clone_idx, errno);
  if (c->log_late && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p->gate) != 0) die(c->clone_idx, errno);
  if (logged && (pipe2(p->out, O_CLOEXEC | O_NONBLOCK) != 0 || pipe2(p->err, O_CLOEXEC | O_NONBLOCK) != 0))
    die(c->log_idx, errno);
  /* The container's ends block, as a program expects of its stdout. */
  if (logged) fcntl(p->out[1], F_SETFL, 0), fcntl(p->err[1], F_SETFL, 0);
  p->error[1] = high(p->error[1]);
  if (p->wait[0] >= 0) p->wait[0] = high(p->wait[0]);
  if (p->gate[0] >= 0) p->gate[0] = high(p->gate[0]);
  if (logged) p->out[1] = high(p->out[1]), p->err[1] = high(p->err[1]);
}

static int start_init(struct config *c, struct pipes *p) {
  int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (pidfd < 0) die(c->clone_idx, errno);
  int logged = c->log_idx >= 0;
  struct init_ctx ctx = {&g_plan, high(pidfd), p->error[1], p->wait[0], p->gate[0],
                         {logged ? high(c->null_fd) : -1, logged ? p->out[1] : -1, logged ? p->err[1] : -1}};
  if (!logged) sys_close(c->null_fd);
  long pid = syscall(SYS_clone, c->clone_flags | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) init_main(&ctx);
  int err = errno;
  int child_ends[] = {ctx.shim_pidfd, ctx.stdio[0], ctx.stdio[1], ctx.stdio[2], p->error[1], p->wait[0], p->gate[0]};
  for (size_t i = 0; i < sizeof child_ends / sizeof child_ends[0]; i++)
    if (child_ends[i] >= 0) sys_close(child_ends[i]);
  if (pid < 0) die(c->clone_idx, err);
  return (int)pid;
}

/* AWAIT_AGENT: the agent makes the container's state dir and cgroups while the shim
 * starts, and one byte on the sync socket says they exist. EOF instead means it gave up:
 * nothing of the container may run, so the init (still waiting for its first step) goes. */
static void await_agent(struct config *c, int pid) {
  char go;
  if (c->await_idx < 0) return;
  if (sys_read_full(SYNC_FD, &go, 1) != 1) kill(pid, SIGKILL), waitpid(pid, NULL, 0), die(c->await_idx, ECANCELED);
  if (c->state_idx < 0) return;
  c->state_fd = openat(AT_FDCWD, g_plan.steps[c->state_idx].str[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (c->state_fd < 0) {
    int err = errno;
    kill(pid, SIGKILL), waitpid(pid, NULL, 0), die(c->state_idx, err);
  }
}

/* What the shim left for after the clone: it runs while the init mounts, and the init's
 * gate opens once it is done. On a failure the init is killed before it runs anything of
 * the container's. */
static void finish_setup(struct config *c, struct pipes *p, int pid) {
  if (!c->log_late) return;
  c->log_fd = open_log(&g_plan.steps[c->log_idx]);
  if (c->log_fd < 0) {
    int err = errno;
    kill(pid, SIGKILL), waitpid(pid, NULL, 0), die(c->log_idx, err);
  }
  let_on(p->gate[1]);
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
  /* Before any join: /proc/self means nothing in a pid namespace the shim is not in. */
  if (c.log_idx >= 0) setsid(); /* a terminal's ^C is for the agent, not for the container */
  else unblock_stdio();
  join_namespaces();
  struct pipes p;
  make_pipes(&c, &p);
  int pid = start_init(&c, &p);
  if (c.state_idx >= 0) report(SYNC_CLONED, pid, 0, 0, 0);
  for (int i = 0; i < 2; i++)
    if (c.map_idx[i] >= 0) write_map(pid, c.map_idx[i]);
  join_cgroups(&c, pid);
  await_agent(&c, pid);
  if (p.wait[1] >= 0) let_on(p.wait[1]);
  finish_setup(&c, &p, pid);
  await_exec(pid, p.error[0]);
  report(SYNC_STARTED, pid, 0, 0, 0);
  int status = supervise(pid, c.log_fd, p.out[0], p.err[0]);
  struct timespec exited;
  clock_gettime(CLOCK_REALTIME, &exited);
  /* Reported before the record is written: creating a file can take a millisecond on a busy
   * disk, and the agent does not need it; it waits for this process to be gone before it
   * removes the state dir. */
  report_exit(pid, status, &exited);
  if (c.state_fd >= 0 && write_exit_record(c.state_fd, pid, status, &exited) != 0) report(SYNC_FAILED, pid, c.state_idx, errno, 0);
  return exit_code_of(status);
}
