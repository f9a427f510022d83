/* Reading the plan: map the memfd the addon filled, check every length, decode records. */
#include "sys.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "plan.h"

static const char *g_str[MAX_STRS];
static uint32_t g_len[MAX_STRS];
static uint32_t g_nstr;

struct cursor {
  const uint8_t *at;
  const uint8_t *end;
};

static int take_u32(struct cursor *c, uint32_t *out) {
  if (c->end - c->at < 4) return EBADMSG;
  memcpy(out, c->at, 4);
  c->at += 4;
  return 0;
}

/* Strings are length-prefixed and NUL-terminated, so binary blobs fit as well. */
static int take_strings(struct cursor *c, struct step *s) {
  if (g_nstr + s->nstr + 1 > MAX_STRS) return E2BIG;
  s->str = &g_str[g_nstr];
  s->len = &g_len[g_nstr];
  for (uint32_t i = 0; i < s->nstr; i++) {
    uint32_t n;
    if (take_u32(c, &n) || (uint64_t)(c->end - c->at) < (uint64_t)n + 1 || c->at[n] != 0) return EBADMSG;
    g_str[g_nstr] = (const char *)c->at;
    g_len[g_nstr++] = n;
    c->at += n + 1;
  }
  g_str[g_nstr] = NULL;
  g_len[g_nstr++] = 0;
  return 0;
}

static int take_record(const uint8_t *base, const uint8_t *end, struct step *s, const uint8_t **next) {
  uint32_t head[4];
  if (end - base < 16) return EBADMSG;
  memcpy(head, base, 16);
  s->op = head[0];
  if (head[1] < 16 || head[1] % 8 || head[1] > (uint64_t)(end - base)) return EBADMSG;
  s->nnum = head[2] & 0xffff;
  s->nstr = head[2] >> 16;
  struct cursor c = {base + 16, base + head[1]};
  if ((uint64_t)(c.end - c.at) < (uint64_t)s->nnum * 8) return EBADMSG;
  s->num = (const uint64_t *)c.at;
  c.at += s->nnum * 8;
  *next = base + head[1];
  return take_strings(&c, s);
}

static int decode(const uint8_t *data, size_t size, struct plan *plan) {
  uint32_t head[4];
  if (size < 16 || memcmp(data, SKERRY_PLAN_MAGIC, 4)) return EBADMSG;
  memcpy(head, data, 16);
  if (head[1] != SKERRY_PLAN_VERSION || head[2] != size || head[3] > MAX_RECORDS) return EBADMSG;
  const uint8_t *at = data + 16, *end = data + size;
  for (plan->count = 0; plan->count < head[3]; plan->count++) {
    int err = take_record(at, end, &plan->steps[plan->count], &at);
    if (err) return err;
  }
  return at == end ? 0 : EBADMSG;
}

int plan_read(int fd, struct plan *plan) {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno;
  if (st.st_size < 16) return EBADMSG;
  /* Private read-only mapping: the plan's pages stay shared with the memfd's page cache. */
  void *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) return errno;
  return decode(data, (size_t)st.st_size, plan);
}
