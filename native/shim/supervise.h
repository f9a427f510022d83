#ifndef SKERRY_SUPERVISE_H
#define SKERRY_SUPERVISE_H

/* Relays out/err (-1 when stdio is inherited) into log_fd until the init (and its pipes)
 * are done, reaping every child; returns the init's wait status. */
int supervise(int init, int log_fd, int out_fd, int err_fd);

#include <time.h>

/* Writes <state>/exit atomically, exitedAt being `at`; 0 or -1 with errno. */
int write_exit_record(int state_fd, int init, int status, const struct timespec *at);

/* The container's exit code: its own, or 128 + the signal that killed it. */
int exit_code_of(int status);

#endif
