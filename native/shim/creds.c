/* Limits, identity, capabilities, seccomp and the final exec of the container's init. */
#include "sys.h"

#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

#include "steps.h"

/* nums: resource, soft, hard (RLIM_INFINITY is all ones). */
int step_rlimit(const struct step *s) {
  uint64_t limit[2] = {s->num[1], s->num[2]};
  return (int)syscall(SYS_prlimit64, 0, s->num[0], limit, NULL);
}

/* Drops every capability outside the mask from the bounding set, up to the last one the
 * kernel knows (PR_CAPBSET_DROP answers EINVAL past it). */
int step_caps_bounding(const struct step *s) {
  for (unsigned long cap = 0; cap < 64; cap++) {
    if (s->num[0] & (1ULL << cap)) continue;
    if (syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) return 0;
    return -1;
  }
  return 0;
}

static gid_t g_groups[65536];

/* nums: the additional gids (an empty list clears them). */
int step_set_groups(const struct step *s) {
  if (s->nnum > sizeof g_groups / sizeof g_groups[0]) return errno = E2BIG, -1;
  for (uint32_t i = 0; i < s->nnum; i++) g_groups[i] = (gid_t)s->num[i];
  return (int)syscall(SYS_setgroups, s->nnum, g_groups);
}

/* nums: effective, permitted, inheritable, ambient. Runs after setuid (with KEEPCAPS). */
int step_caps_set(const struct step *s) {
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(s->num[0] >> (32 * i));
    data[i].permitted = (uint32_t)(s->num[1] >> (32 * i));
    data[i].inheritable = (uint32_t)(s->num[2] >> (32 * i));
  }
  if (syscall(SYS_capset, &head, data) != 0) return -1;
  if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return -1;
  for (unsigned long cap = 0; cap < 64; cap++) {
    if (!(s->num[3] & (1ULL << cap))) continue;
    if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return -1;
  }
  return 0;
}

/* strs: the filter, 8 bytes per sock_filter. */
int step_seccomp(const struct step *s) {
  if (s->len[0] == 0 || s->len[0] % sizeof(struct sock_filter)) return errno = EINVAL, -1;
  struct sock_fprog prog = {(unsigned short)(s->len[0] / sizeof(struct sock_filter)), (struct sock_filter *)s->str[0]};
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static char g_exec_path[4096];

/* Joins dir and name into g_exec_path; returns -1 when it does not fit. */
static int join(const char *dir, size_t dir_len, const char *name) {
  size_t n = str_len(name);
  if (dir_len + n + 2 > sizeof g_exec_path) return -1;
  for (size_t i = 0; i < dir_len; i++) g_exec_path[i] = dir[i];
  g_exec_path[dir_len] = '/';
  for (size_t i = 0; i <= n; i++) g_exec_path[dir_len + 1 + i] = name[i];
  return 0;
}

/* nums: umask; strs: PATH, argv... Searches PATH like execvp when argv[0] has no slash. */
int step_exec(const struct step *s, const char *const *envp) {
  syscall(SYS_umask, s->num[0]);
  const char *const *argv = (const char *const *)&s->str[1];
  const char *path = s->str[0], *name = argv[0];
  int last = ENOENT;
  for (const char *p = name; *p; p++)
    if (*p == '/') return (int)syscall(SYS_execve, name, argv, envp);
  for (const char *dir = path;; dir++) {
    const char *end = dir;
    while (*end && *end != ':') end++;
    if (join(dir, (size_t)(end - dir), name) == 0) {
      syscall(SYS_execve, g_exec_path, argv, envp);
      if (errno != ENOENT && errno != ENOTDIR) last = errno;
    }
    if (!*end) break;
    dir = end;
  }
  return errno = last, -1;
}
