/*
 * Paths inside the container's root. Every lookup goes through openat2(RESOLVE_IN_ROOT)
 * from the rootfs fd, so ".." and absolute symlinks in the image stay inside the rootfs
 * (CVE-2021-30465, CVE-2025-31133): a link like /mnt/evil -> /tmp/x means <rootfs>/tmp/x.
 */
#ifndef SKERRY_ROOT_H
#define SKERRY_ROOT_H

#include <stdint.h>

/* The rootfs, opened O_PATH after its self-bind; -1 once pivot_root is done. */
extern int g_root_fd;

/* openat2(root, path, flags | O_CLOEXEC) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra. */
int root_open(const char *path, uint64_t flags, uint64_t extra_resolve);

/* mkdir -p inside the root; existing directories (or links to them) are fine. */
int root_mkdirs(const char *path, unsigned mode);

/* Opens the parent directory of path (creating it) and points *name at the last component. */
int root_open_parent(const char *path, const char **name);

#endif
