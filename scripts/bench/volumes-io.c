/*
 * volumes-io <dir> <MiB>: the I/O half of the volumes bench (scripts/bench/volumes.ts),
 * compiled there with `gcc -O2 -static` so the same binary runs on the host and inside the
 * busybox container. In <dir>:
 *   1. sequential write of <MiB> MiB in 1 MiB blocks, then fsync; MB/s includes the fsync;
 *   2. the file's pages dropped from the page cache (fsync, then posix_fadvise DONTNEED),
 *      then a sequential read in 1 MiB blocks; MB/s;
 *   3. 4 KiB write + fsync, over and over for about 2 s (on a file of its own); fsyncs/s.
 * Prints one JSON line on stdout and removes its files. MB here is 10^6 bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1024 * 1024)
#define SMALL 4096
#define FSYNC_SECONDS 2.0

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "volumes-io: %s %s: %s\n", what, path, strerror(errno));
  printf("{\"error\":\"%s %s: %s\"}\n", what, path, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: volumes-io <dir> <MiB>\n");
    return 2;
  }
  const char *dir = argv[1];
  long mib = strtol(argv[2], NULL, 10);
  if (mib <= 0) {
    fprintf(stderr, "volumes-io: bad size %s\n", argv[2]);
    return 2;
  }
  char data[4096], small[4096];
  snprintf(data, sizeof data, "%s/volumes-io.data", dir);
  snprintf(small, sizeof small, "%s/volumes-io.fsync", dir);

  char *buf;
  if (posix_memalign((void **)&buf, 4096, BLOCK) != 0) die("alloc", "buffer");
  /* Not zeros and not one repeated block: nothing on the way may compress or dedupe it. */
  unsigned long long x = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < BLOCK / sizeof x; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    ((unsigned long long *)buf)[i] = x;
  }

  /* 1. sequential write + fsync */
  int fd = open(data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open", data);
  double t0 = now();
  for (long i = 0; i < mib; i++) {
    ((unsigned long long *)buf)[0] = (unsigned long long)i; /* each block differs */
    size_t done = 0;
    while (done < BLOCK) {
      ssize_t n = write(fd, buf + done, BLOCK - done);
      if (n < 0) { if (errno == EINTR) continue; die("write", data); }
      done += (size_t)n;
    }
  }
  if (fsync(fd) != 0) die("fsync", data);
  double writeSeconds = now() - t0;
  /* 2. drop the cached pages, then read it back */
  if (fsync(fd) != 0) die("fsync", data);
  int advice = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
  fd = open(data, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open", data);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  double t1 = now();
  long long readBytes = 0;
  for (;;) {
    ssize_t n = read(fd, buf, BLOCK);
    if (n < 0) { if (errno == EINTR) continue; die("read", data); }
    if (n == 0) break;
    readBytes += n;
  }
  double readSeconds = now() - t1;
  close(fd);
  unlink(data);
  if (readBytes != mib * (long long)BLOCK) {
    errno = EIO;
    die("short read", data);
  }

  /* 3. 4 KiB write + fsync for ~2 s */
  fd = open(small, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open", small);
  long fsyncs = 0;
  double t2 = now(), elapsed = 0;
  do {
    if (pwrite(fd, buf, SMALL, (off_t)(fsyncs % 256) * SMALL) != SMALL) die("pwrite", small);
    if (fsync(fd) != 0) die("fsync", small);
    fsyncs++;
    elapsed = now() - t2;
  } while (elapsed < FSYNC_SECONDS);
  close(fd);
  unlink(small);

  double bytes = (double)mib * BLOCK;
  printf("{\"mib\":%ld,\"writeMBps\":%.1f,\"readMBps\":%.1f,\"fsyncPerSec\":%.1f,\"writeSeconds\":%.4f,\"readSeconds\":%.4f,\"fsyncs\":%ld,\"fsyncSeconds\":%.4f,\"fadvise\":%d}\n",
         mib, bytes / writeSeconds / 1e6, bytes / readSeconds / 1e6, fsyncs / elapsed, writeSeconds, readSeconds, fsyncs, elapsed, advice);
  fflush(stdout);
  free(buf);
  return 0;
}
