/* Resolution of container paths relative to the rootfs fd, never through the host's "/". */
#include "sys.h"

#include <sys/stat.h>

#include "root.h"

int g_root_fd = -1;

/* A scratch copy of the path being walked; the init is single-threaded. */
static char g_walk[4096];

int root_open(const char *path, uint64_t flags, uint64_t extra_resolve) {
  return sys_openat2(g_root_fd, path, flags | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve);
}

static int copy_path(const char *path) {
  size_t n = str_len(path);
  if (n == 0 || n >= sizeof g_walk) return errno = ENAMETOOLONG, -1;
  for (size_t i = 0; i <= n; i++) g_walk[i] = path[i];
  while (n > 1 && g_walk[n - 1] == '/') g_walk[--n] = 0;
  return (int)n;
}

/* Splits g_walk at its last slash: returns the parent fd, *name is the last component. */
static int open_walk_parent(const char **name) {
  char *slash = NULL;
  for (char *p = g_walk; *p; p++)
    if (*p == '/') slash = p;
  if (!slash) return errno = EINVAL, -1;
  *slash = 0;
  int fd = root_open(slash == g_walk ? "/" : g_walk, O_PATH | O_DIRECTORY, 0);
  *slash = '/';
  *name = slash + 1;
  return fd;
}

/* Makes sure the prefix now in g_walk is a directory, creating its last component. */
static int ensure_dir(unsigned mode) {
  int fd = root_open(g_walk, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0) return sys_close(fd), 0;
  if (errno != ENOENT) return -1;
  const char *name;
  int parent = open_walk_parent(&name);
  if (parent < 0) return -1;
  long rc = syscall(SYS_mkdirat, parent, name, mode);
  int err = errno;
  sys_close(parent);
  if (rc != 0 && err != EEXIST) return errno = err, -1;
  return 0;
}

int root_mkdirs(const char *path, unsigned mode) {
  int n = copy_path(path);
  if (n < 0) return -1;
  /* Mount points mostly exist, or lack only their last component: try the whole path
   * first (one or three system calls), and walk it from the root only when that fails. */
  if (ensure_dir(mode) == 0) return 0;
  if (errno != ENOENT) return -1;
  for (int i = 1; i <= n; i++) {
    if (i < n && g_walk[i] != '/') continue;
    g_walk[i] = 0;
    int rc = ensure_dir(mode);
    if (i < n) g_walk[i] = '/';
    if (rc != 0) return -1;
  }
  return 0;
}

int root_open_parent(const char *path, const char **name) {
  if (copy_path(path) < 0) return -1;
  const char *last;
  int fd = open_walk_parent(&last);
  if (fd >= 0 || errno != ENOENT) return *name = path + (last - g_walk), fd;
  /* The parent is missing: create it, then open it again. */
  char *slash = (char *)last - 1;
  *slash = 0;
  int rc = slash == g_walk ? 0 : root_mkdirs(g_walk, 0755);
  if (rc != 0) return -1;
  copy_path(path);
  fd = open_walk_parent(&last);
  *name = path + (last - g_walk);
  return fd;
}
