/* The container init's steps: one function per plan op, each returns 0 or -1 with errno. */
#ifndef SKERRY_STEPS_H
#define SKERRY_STEPS_H

#include "plan.h"

int step_mount_host(const struct step *s);
int step_root_open(const struct step *s);
int step_mount_fs(const struct step *s);
int step_mount_bind(const struct step *s);
int step_mask(const struct step *s);
int step_readonly(const struct step *s);
int step_pivot_root(void);
int step_root_readonly(void);

int step_mkdir(const struct step *s);
int step_mkfile(const struct step *s);
int step_mknod(const struct step *s);
int step_symlink(const struct step *s);

int step_rlimit(const struct step *s);
int step_caps_bounding(const struct step *s);
int step_set_groups(const struct step *s);
int step_caps_set(const struct step *s);
int step_seccomp(const struct step *s);
int step_exec(const struct step *s, const char *const *envp);

/* What the init needs from the shim: fds to place and the plan to run. */
struct init_ctx {
  const struct plan *plan;
  int shim_pidfd;   /* readable once the shim has exited */
  int error_fd;     /* write end: {record index, errno} on failure, EOF on exec */
  int wait_fd;      /* one byte once the id maps are written and the cgroups exist, or -1 */
  int gate_fd;      /* one byte once the shim finished its own setup, or -1 */
  int stdio[3];     /* fds to place on 0-2, -1 to keep the shim's */
};

/* Runs the init steps and execs; never returns. */
void init_main(const struct init_ctx *ctx) __attribute__((noreturn));

#endif
