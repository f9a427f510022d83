/*
 * After the init has exec'd: relay its output, reap it and every orphan that reparents to
 * the shim (a child subreaper), and write the exit record the agent reads after a restart.
 */
#include "sys.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "logging.h"
#include "supervise.h"

static struct stream g_streams[2];

static void reap_all(int init, int *status, int *init_done) {
  for (;;) {
    int st;
    int pid = waitpid(-1, &st, WNOHANG);
    if (pid <= 0) return;
    if (pid == init) *status = st, *init_done = 1;
  }
}

static int open_signalfd(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void drain(int sfd) {
  struct signalfd_siginfo info[8];
  while (read(sfd, info, sizeof info) > 0) {
  }
}

static int pump_ready(struct pollfd *pfd, int log_fd) {
  int open = 0;
  for (int i = 0; i < 2; i++) {
    struct stream *s = &g_streams[i];
    if (s->fd >= 0 && pfd[i + 1].revents && stream_pump(s, log_fd)) sys_close(s->fd), s->fd = -1;
    open += s->fd >= 0;
  }
  return open;
}

int supervise(int init, int log_fd, int out_fd, int err_fd) {
  int sfd = open_signalfd(), status = 0, done = 0;
  g_streams[0].fd = out_fd, g_streams[0].name = "stdout";
  g_streams[1].fd = err_fd, g_streams[1].name = "stderr";
  int open = (out_fd >= 0) + (err_fd >= 0);
  reap_all(init, &status, &done);
  while (!done || open) {
    struct pollfd pfd[3] = {{sfd, POLLIN, 0}, {g_streams[0].fd, POLLIN, 0}, {g_streams[1].fd, POLLIN, 0}};
    /* Once the init is gone its pid namespace is dead; a pipe still open after a second
     * belongs to a process outside it, and the container is over regardless. */
    int n = poll(pfd, 3, done ? 1000 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (pfd[0].revents) drain(sfd), reap_all(init, &status, &done);
    open = pump_ready(pfd, log_fd);
  }
  for (int i = 0; i < 2; i++)
    if (g_streams[i].fd >= 0 && g_streams[i].used) stream_pump(&g_streams[i], log_fd);
  return status;
}

static char *put(char *p, const char *s) {
  while (*s) *p++ = *s++;
  return p;
}

/* {"pid":N,"exitCode":N,"signal":N|null,"exitedAt":"..."} to <state>/exit, via rename so a
 * reader sees all of it or nothing. */
int write_exit_record(int state_fd, int init, int status, const struct timespec *at) {
  char text[160], *p = text;
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  p = put(p, "{\"pid\":"), p += fmt_u64(p, (uint64_t)init);
  p = put(p, ",\"exitCode\":"), p += fmt_u64(p, (uint64_t)exit_code_of(status));
  p = put(p, ",\"signal\":");
  p = sig ? p + fmt_u64(p, (uint64_t)sig) : put(p, "null");
  p = put(p, ",\"exitedAt\":\""), p += format_time(p, at);
  p = put(p, "\"}\n");
  int fd = openat(state_fd, "exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return -1;
  long rc = sys_write_all(fd, text, (size_t)(p - text));
  int err = errno;
  sys_close(fd);
  if (rc != 0) return errno = err, -1;
  return (int)syscall(SYS_renameat, state_fd, "exit.tmp", state_fd, "exit");
}

int exit_code_of(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
