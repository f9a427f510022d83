/*
 * Raw system calls. Between the clone of the container's init and its exec, only these
 * run: no allocation, no stdio, no locks (syscall(2) only touches errno).
 */
#ifndef SKERRY_SYS_H
#define SKERRY_SYS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static inline int sys_close(int fd) { return (int)syscall(SYS_close, fd); }
static inline int sys_dup3(int from, int to, int flags) { return (int)syscall(SYS_dup3, from, to, flags); }

static inline long sys_write_all(int fd, const void *data, size_t size) {
  const char *p = data;
  while (size > 0) {
    long n = syscall(SYS_write, fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    p += n, size -= (size_t)n;
  }
  return 0;
}

static inline long sys_read_full(int fd, void *data, size_t size) {
  size_t got = 0;
  while (got < size) {
    long n = syscall(SYS_read, fd, (char *)data + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? -1 : (long)got;
    got += (size_t)n;
  }
  return (long)got;
}

__attribute__((noreturn)) static inline void sys_exit(int code) {
  for (;;) syscall(SYS_exit_group, code);
}

static inline size_t str_len(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Writes the decimal form of value into buf (room for 21 bytes); returns its length. */
static inline size_t fmt_u64(char *buf, uint64_t value) {
  char tmp[21];
  size_t n = 0, i = 0;
  do tmp[n++] = (char)('0' + value % 10), value /= 10; while (value);
  while (n) buf[i++] = tmp[--n];
  buf[i] = 0;
  return i;
}

#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif

#endif
