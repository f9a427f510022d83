/*
 * The plan: what skerry-shim executes, compiled by native/runtime/plan.ts.
 *
 * Binary layout (little-endian, every record 8-byte aligned):
 *   header:  char magic[4] = "SKPL"; u32 version; u32 total_size; u32 record_count
 *   record:  u32 op; u32 size (of the whole record, padded to 8); u16 num_count;
 *            u16 str_count; u32 reserved
 *            u64 nums[num_count]
 *            str_count × { u32 length; u8 bytes[length]; u8 0 }   (a "str" may hold binary)
 *            zero padding to the next multiple of 8
 *
 * Records run in order. Ops below 16 configure the shim itself (namespaces to join, the
 * clone, id maps, logging, the state dir); ops from 16 are steps of the container's init,
 * run between clone and exec with raw system calls only. A failure anywhere is reported
 * as {record index, errno}; the TypeScript side owns the label of every record.
 *
 * AWAIT_AGENT: the agent starts the shim before it has made the container's state dir and
 * cgroups and makes them while the shim starts and clones; the shim opens the state dir and
 * the init runs no step (its first is joining those cgroups) until the agent writes one
 * byte on the sync socket. EOF instead (the agent gave up) kills the init and fails the
 * record with ECANCELED.
 *
 * Exec mode (native/runtime/plan-exec.ts): JOIN_PROCESS joins every namespace of a running
 * container's init, CGROUP_PROCS moves the forked process into its cgroups, CLONE takes no
 * namespace flags, and there is no STATE_DIR: the exit goes over the sync socket only, so
 * an exec never writes the container's exit record.
 *
 * SKERRY_PLAN_OPS is the one op code table. plan.ts holds the same numbers and a test
 * (native/runtime/plan.test.ts) parses this file to prove they agree.
 */
#ifndef SKERRY_PLAN_H
#define SKERRY_PLAN_H

#include <stdint.h>

#define SKERRY_PLAN_MAGIC "SKPL"
#define SKERRY_PLAN_VERSION 1

/* X(code, NAME): nums / strs are listed beside each op. */
#define SKERRY_PLAN_OPS(X)                                                            \
  X(1, JOIN_NS)        /* nums: nstype          strs: path                      */ \
  X(2, CLONE)          /* nums: clone flags                                     */ \
  X(3, ID_MAP)         /* nums: 0 uid / 1 gid   strs: map text                  */ \
  X(4, LOG)            /* strs: CRI log path; absent = inherit the shim's stdio  */ \
  X(5, STATE_DIR)      /* strs: dir for the exit record; absent = none (exec)    */ \
  X(6, JOIN_PROCESS)   /* nums: pid, start time (/proc stat field 22), ns flags  */ \
  X(7, CGROUP_PROCS)   /* nums: fs magic ×2  strs: host cgroup.procs file        */ \
  X(8, AWAIT_AGENT)    /* the init's steps wait for one byte from the agent on   \
                          the sync socket (it makes state dir, cgroups meanwhile) */ \
  X(16, WRITE_FILE)    /* nums: fs magic or 0 (×2) strs: host path, data         */ \
  X(17, UNSHARE)       /* nums: flags                                           */ \
  X(18, MOUNT_HOST)    /* nums: flags  strs: source, target, fstype, data       */ \
  X(19, ROOT_OPEN)     /* strs: rootfs path (after its self-bind)                */ \
  X(20, MKDIR)         /* nums: mode    strs: path in root (mkdir -p)            */ \
  X(21, MKFILE)        /* nums: mode    strs: path in root                       */ \
  X(22, MOUNT_FS)      /* nums: attr, propagation, resolve, magic                \
                          strs: fstype, source, target, key, value, ...          */ \
  X(23, MOUNT_BIND)    /* nums: attr, propagation, recursive, resolve            \
                          strs: host source, target in root                      */ \
  X(24, MKNOD)         /* nums: mode, major, minor   strs: path in root          */ \
  X(25, SYMLINK)       /* strs: link text, path in root                          */ \
  X(26, MASK)          /* strs: path in root                                     */ \
  X(27, READONLY)      /* strs: path in root                                     */ \
  X(28, PIVOT_ROOT)    /*                                                        */ \
  X(29, ROOT_READONLY) /*                                                        */ \
  X(30, HOSTNAME)      /* strs: name                                             */ \
  X(31, RLIMIT)        /* nums: resource, soft, hard                             */ \
  X(32, CAPS_BOUNDING) /* nums: mask of capabilities to keep                     */ \
  X(33, KEEP_CAPS)     /*                                                        */ \
  X(34, SET_GROUPS)    /* nums: gids                                             */ \
  X(35, SET_GID)       /* nums: gid                                              */ \
  X(36, SET_UID)       /* nums: uid                                              */ \
  X(37, CAPS_SET)      /* nums: effective, permitted, inheritable, ambient       */ \
  X(38, NO_NEW_PRIVS)  /*                                                        */ \
  X(39, SECCOMP)       /* strs: classic BPF, 8 bytes per instruction             */ \
  X(40, CHDIR)         /* strs: path                                             */ \
  X(41, ENV)           /* strs: NAME=value ...                                   */ \
  X(42, EXEC)          /* strs: PATH to search, argv...                          */

enum plan_op {
#define SKERRY_OP_ENUM(code, name) OP_##name = code,
  SKERRY_PLAN_OPS(SKERRY_OP_ENUM)
#undef SKERRY_OP_ENUM
};

#define FIRST_INIT_OP 16

/* What the shim writes on its sync fd (fd 4), one fixed-size record per event. CLONED
 * (run mode only) comes as soon as the init exists, before its steps: the agent records
 * the pid while the init sets up. STARTED or FAILED follows, then EXITED, and only then is
 * the exit record written (a FAILED for it may follow); the shim exits right after. */
enum sync_type { SYNC_STARTED = 1, SYNC_FAILED = 2, SYNC_EXITED = 3, SYNC_CLONED = 4 };
struct sync_msg {
  int32_t type;
  int32_t pid;    /* the container init's pid in the shim's pid namespace */
  int32_t step;   /* FAILED: the record index; EXITED: the exit time's low 32 bits */
  int32_t err;    /* FAILED: errno; EXITED: its high 32 bits (CLOCK_REALTIME, ns) */
  int32_t code;   /* EXITED: exit code, -1 when killed */
  int32_t signal; /* EXITED: the signal that killed the init, 0 when it exited */
};

/* Fds the addon hands to the shim. */
#define PLAN_FD 3
#define SYNC_FD 4

#define MAX_RECORDS 1024
#define MAX_STRS 16384
#define MAX_CGROUPS 32

/* One record, decoded: pointers into the mapped plan. */
struct step {
  uint32_t op;
  uint32_t nnum;
  uint32_t nstr;
  const uint64_t *num;
  const char **str;       /* nstr strings followed by a NULL */
  const uint32_t *len;    /* their lengths */
};

struct plan {
  uint32_t count;
  struct step steps[MAX_RECORDS];
};

/* Maps and decodes the plan on fd; returns 0 or an errno value (EBADMSG for bad bytes). */
int plan_read(int fd, struct plan *plan);

#endif
