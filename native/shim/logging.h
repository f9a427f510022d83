/* The CRI container log format: "<RFC3339Nano> stdout|stderr F|P <line>\n". */
#ifndef SKERRY_LOGGING_H
#define SKERRY_LOGGING_H

#include <stddef.h>
#include <stdint.h>

/* Lines longer than this are split into P records, as the kubelet expects. */
#define CRI_CHUNK 16384

struct stream {
  int fd;             /* read end of the container's stdout or stderr pipe, -1 once closed */
  const char *name;   /* "stdout" or "stderr" */
  size_t used;
  char buf[CRI_CHUNK];
};

#include <time.h>

/* Writes t as "2006-01-02T15:04:05.000000000Z" (30 bytes + NUL) into out. */
size_t format_time(char *out, const struct timespec *t);

/* format_time of CLOCK_REALTIME now. */
size_t format_now(char *out);

/* Reads what the pipe has and logs every complete line; returns 1 at EOF (after logging
 * a trailing partial line as P), else 0. */
int stream_pump(struct stream *s, int log_fd);

#endif
