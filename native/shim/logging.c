/* Relaying the container's output into a CRI log file, one write(2) per record so lines
 * from stdout and stderr never interleave within a record (the file is O_APPEND). */
#include "sys.h"

#include <string.h>
#include <time.h>

#include "logging.h"

static char g_record[CRI_CHUNK + 64];

static char *put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10 % 10), p[1] = (char)('0' + v % 10);
  return p + 2;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm), no libc time zone code. */
static void civil(int64_t days, unsigned *y, unsigned *m, unsigned *d) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  unsigned doe = (unsigned)(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (unsigned)(yoe + era * 400 + (*m <= 2));
}

size_t format_time(char *out, const struct timespec *t) {
  struct timespec ts = *t;
  unsigned y, mo, d, sec = (unsigned)(ts.tv_sec % 86400);
  civil(ts.tv_sec / 86400, &y, &mo, &d);
  char *p = put2(put2(out, y / 100), y % 100);
  *p++ = '-', p = put2(p, mo), *p++ = '-', p = put2(p, d), *p++ = 'T';
  p = put2(p, sec / 3600), *p++ = ':', p = put2(p, sec / 60 % 60), *p++ = ':', p = put2(p, sec % 60);
  *p++ = '.';
  for (long ns = ts.tv_nsec, div = 100000000; div; div /= 10) *p++ = (char)('0' + ns / div % 10);
  *p++ = 'Z', *p = 0;
  return (size_t)(p - out);
}

size_t format_now(char *out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return format_time(out, &ts);
}

static void emit(int log_fd, const char *name, char kind, const char *data, size_t n) {
  size_t at = format_now(g_record);
  g_record[at++] = ' ';
  size_t name_len = str_len(name);
  memcpy(g_record + at, name, name_len), at += name_len;
  g_record[at++] = ' ', g_record[at++] = kind, g_record[at++] = ' ';
  memcpy(g_record + at, data, n), at += n;
  g_record[at++] = '\n';
  /* A full disk must not stall the container: the record is dropped, relaying goes on. */
  sys_write_all(log_fd, g_record, at);
}

static void emit_lines(struct stream *s, int log_fd) {
  size_t start = 0;
  for (size_t i = 0; i < s->used; i++) {
    if (s->buf[i] != '\n') continue;
    emit(log_fd, s->name, 'F', s->buf + start, i - start);
    start = i + 1;
  }
  if (start == 0 && s->used == sizeof s->buf) {
    emit(log_fd, s->name, 'P', s->buf, s->used);
    start = s->used;
  }
  memmove(s->buf, s->buf + start, s->used - start);
  s->used -= start;
}

int stream_pump(struct stream *s, int log_fd) {
  long n = read(s->fd, s->buf + s->used, sizeof s->buf - s->used);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (n <= 0) {
    if (s->used) emit(log_fd, s->name, 'P', s->buf, s->used);
    s->used = 0;
    return 1;
  }
  s->used += (size_t)n;
  emit_lines(s, log_fd);
  return 0;
}
