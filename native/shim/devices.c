/* Files, directories, device nodes and links inside the root (mostly in /dev). */
#include "sys.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "root.h"
#include "steps.h"

/* nums: mode; strs: path. */
int step_mkdir(const struct step *s) { return root_mkdirs(s->str[0], (unsigned)s->num[0]); }

/* A regular file to bind a file onto; an existing file is fine, nothing is followed. */
int step_mkfile(const struct step *s) {
  const char *name;
  int parent = root_open_parent(s->str[0], &name);
  if (parent < 0) return -1;
  long rc = syscall(SYS_mknodat, parent, name, S_IFREG | (s->num[0] & 07777), 0);
  int err = errno;
  sys_close(parent);
  return rc == 0 || err == EEXIST ? 0 : (errno = err, -1);
}

/* nums: mode (with S_IFCHR/S_IFBLK), major, minor; strs: path. */
int step_mknod(const struct step *s) {
  const char *name;
  int parent = root_open_parent(s->str[0], &name);
  if (parent < 0) return -1;
  long rc = syscall(SYS_mknodat, parent, name, s->num[0], makedev(s->num[1], s->num[2]));
  int err = errno;
  sys_close(parent);
  return rc == 0 ? 0 : (errno = err, -1);
}

/* strs: link text, path. An existing entry is left alone (the image may provide it). */
int step_symlink(const struct step *s) {
  const char *name;
  int parent = root_open_parent(s->str[1], &name);
  if (parent < 0) return -1;
  long rc = syscall(SYS_symlinkat, s->str[0], parent, name);
  int err = errno;
  sys_close(parent);
  return rc == 0 || err == EEXIST ? 0 : (errno = err, -1);
}
