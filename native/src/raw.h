// Raw system calls for the window between clone() and exec/exit in a child of a
// multi-threaded process: no allocation, no locks, no libc state beyond errno.
#pragma once
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace skerry::raw {

// fork() without glibc's atfork handlers, which may take locks held by other threads.
inline long CloneChild() { return syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }

[[noreturn]] inline void ExitWith(int code) {
  syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

}  // namespace skerry::raw
