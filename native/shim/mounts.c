/*
 * Mount steps, with the new mount API: a filesystem or a bind is prepared detached
 * (fsopen/fsmount, open_tree), given its attributes, then attached with move_mount onto
 * a target fd resolved inside the root. No path string is ever resolved by mount(2) after
 * the image could have planted a symlink.
 */
#include "sys.h"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "plan.h"
#include "root.h"
#include "steps.h"

static int set_attr(int mnt, uint64_t attr, uint64_t propagation, int recursive) {
  if (!attr && !propagation) return 0;
  struct mount_attr ma = {.attr_set = attr, .propagation = propagation};
  return (int)syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma, sizeof ma);
}

/* Moves the detached mount onto target (inside the root); checks the fs magic if asked. */
static int attach(int mnt, const char *target, uint64_t flags, uint64_t resolve, uint64_t magic) {
  int to = root_open(target, O_PATH | flags, resolve);
  if (to < 0) return -1;
  long rc = syscall(SYS_move_mount, mnt, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int err = errno;
  sys_close(to);
  if (rc != 0) return errno = err, -1;
  if (!magic) return 0;
  /* What is now at the target must be the filesystem we mounted (e.g. a real procfs). */
  int check = root_open(target, O_PATH | O_DIRECTORY, resolve);
  if (check < 0) return -1;
  struct statfs sfs;
  rc = fstatfs(check, &sfs);
  sys_close(check);
  if (rc != 0) return -1;
  return (uint64_t)sfs.f_type == magic ? 0 : (errno = EXDEV, -1);
}

static int configure(int fs, const struct step *s) {
  if (s->len[1] && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", s->str[1], 0) != 0) return -1;
  for (uint32_t i = 3; i + 1 < s->nstr; i += 2) {
    int set_string = s->len[i + 1] != 0;
    const char *value = set_string ? s->str[i + 1] : NULL;
    if (syscall(SYS_fsconfig, fs, set_string ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, s->str[i], value, 0) != 0)
      return -1;
  }
  return (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

/* nums: attr, propagation, resolve, magic; strs: fstype, source, target, key, value... */
int step_mount_fs(const struct step *s) {
  int fs = (int)syscall(SYS_fsopen, s->str[0], FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  int mnt = configure(fs, s) == 0 ? (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, s->num[0]) : -1;
  int err = errno;
  sys_close(fs);
  if (mnt < 0) return errno = err, -1;
  int rc = set_attr(mnt, 0, s->num[1], 0);
  if (rc == 0) rc = attach(mnt, s->str[2], O_DIRECTORY, s->num[2], s->num[3]);
  err = errno;
  sys_close(mnt);
  return rc == 0 ? 0 : (errno = err, -1);
}

/* nums: attr, propagation, recursive, resolve; strs: host source, target in root. */
int step_mount_bind(const struct step *s) {
  int recursive = s->num[2] != 0;
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, s->str[0], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) return -1;
  int rc = set_attr(tree, s->num[0], s->num[1], recursive);
  if (rc == 0) rc = attach(tree, s->str[1], 0, s->num[3], 0);
  int err = errno;
  sys_close(tree);
  return rc == 0 ? 0 : (errno = err, -1);
}

/* The host's /dev/null, refused unless it really is the char device 1:3 (CVE-2025-31133). */
static int open_dev_null(void) {
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
  struct stat st;
  if (tree < 0) return -1;
  if (fstat(tree, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) return tree;
  sys_close(tree);
  return errno = ENODEV, -1;
}

static int read_only_tmpfs(void) {
  int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  long rc = syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
  int mnt = rc == 0 ? (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY) : -1;
  int err = errno;
  sys_close(fs);
  return mnt >= 0 ? mnt : (errno = err, -1);
}

/* maskedPaths: /dev/null over a file, an empty read-only tmpfs over a directory. */
int step_mask(const struct step *s) {
  int target = root_open(s->str[0], O_PATH, 0);
  if (target < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  int mnt = fstat(target, &st) != 0 ? -1 : S_ISDIR(st.st_mode) ? read_only_tmpfs() : open_dev_null();
  long rc = mnt < 0 ? -1 : syscall(SYS_move_mount, mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int err = errno;
  if (mnt >= 0) sys_close(mnt);
  sys_close(target);
  return rc == 0 ? 0 : (errno = err, -1);
}

/* readonlyPaths: a recursive read-only bind of the path onto itself. */
int step_readonly(const struct step *s) {
  int target = root_open(s->str[0], O_PATH, 0);
  if (target < 0) return errno == ENOENT ? 0 : -1;
  int tree = (int)syscall(SYS_open_tree, target, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  int rc = tree < 0 ? -1 : set_attr(tree, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0, 1);
  if (rc == 0) rc = (int)syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
  int err = errno;
  if (tree >= 0) sys_close(tree);
  sys_close(target);
  return rc == 0 ? 0 : (errno = err, -1);
}

/* pivot_root(".", ".") stacks the old root on the new one; detaching "." removes it. */
int step_pivot_root(void) {
  if (syscall(SYS_fchdir, g_root_fd) != 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
  if (syscall(SYS_umount2, ".", MNT_DETACH) != 0) return -1;
  if (syscall(SYS_chdir, "/") != 0) return -1;
  sys_close(g_root_fd);
  g_root_fd = -1;
  return 0;
}

int step_root_readonly(void) {
  struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY};
  return (int)syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &ma, sizeof ma);
}

/* nums: flags; strs: source, target, fstype, data (host paths, before the root exists). */
int step_mount_host(const struct step *s) {
  const char *src = s->len[0] ? s->str[0] : NULL, *type = s->len[2] ? s->str[2] : NULL;
  return (int)syscall(SYS_mount, src, s->str[1], type, s->num[0], s->len[3] ? s->str[3] : NULL);
}

int step_root_open(const struct step *s) {
  g_root_fd = (int)syscall(SYS_openat, AT_FDCWD, s->str[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
  return g_root_fd < 0 ? -1 : 0;
}
