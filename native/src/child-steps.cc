#include "child-steps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "raw.h"

extern char** environ;

namespace skerry {
namespace {

struct StepFailure {
  int step;
  int err;
};

sock_filter allowAll[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
sock_fprog allowAllProgram = {1, allowAll};

long LoadSeccomp(const ChildStep& step) {
  // The parser checked the length is a non-zero multiple of sizeof(sock_filter).
  sock_fprog program = {static_cast<unsigned short>(step.program.size() / sizeof(sock_filter)),
                        reinterpret_cast<sock_filter*>(const_cast<char*>(step.program.data()))};
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, step.flags, &program);
}

// Drops the bounding set first (needs CAP_SETPCAP, which capset may be about to remove),
// then sets the three process sets with the 64-bit (version 3) layout.
long SetCapabilities(const CapabilitySets& caps) {
  for (unsigned cap = 0; caps.dropBounding && cap < 64; cap++) {
    if ((caps.bounding >> cap) & 1) continue;
    if (syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      return -1;
    }
  }
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int half = 0; half < 2; half++) {
    data[half].effective = static_cast<uint32_t>(caps.effective >> (32 * half));
    data[half].permitted = static_cast<uint32_t>(caps.permitted >> (32 * half));
    data[half].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * half));
  }
  return syscall(SYS_capset, &header, data);
}

long RunStep(const ChildStep& step) {
  switch (step.kind) {
    case StepKind::Unshare:
      return syscall(SYS_unshare, step.flags);
    case StepKind::Mount:
      return syscall(SYS_mount, step.source.empty() ? nullptr : step.source.c_str(),
                     step.target.c_str(), step.fstype.empty() ? nullptr : step.fstype.c_str(),
                     step.flags, step.data.empty() ? nullptr : step.data.c_str());
    case StepKind::NoNewPrivs:
      return syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    case StepKind::SeccompAllowAll:
      return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &allowAllProgram);
    case StepKind::Seccomp:
      return LoadSeccomp(step);
    case StepKind::Capset:
      return SetCapabilities(step.caps);
    case StepKind::SetHostname:
      return syscall(SYS_sethostname, step.hostname.data(), step.hostname.size());
    case StepKind::Exec:
      return syscall(SYS_execve, step.path.c_str(), step.argvPointers.data(), environ);
  }
  errno = EINVAL;
  return -1;
}

// Runs in the child: only raw syscalls from here to exit or exec.
[[noreturn]] void ChildMain(const std::vector<ChildStep>& steps, int failurePipe, int outputPipe) {
  // The forking thread may be a thread-pool thread with signals blocked; what the child execs
  // must not inherit that.
  uint64_t noSignals = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &noSignals, nullptr, sizeof noSignals);
  int devNull = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
  if (devNull >= 0) syscall(SYS_dup3, devNull, 0, 0);
  syscall(SYS_dup3, outputPipe, 1, 0);
  syscall(SYS_dup3, outputPipe, 2, 0);
  syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  for (size_t i = 0; i < steps.size(); i++) {
    if (RunStep(steps[i]) != 0) {
      StepFailure failure = {static_cast<int>(i), errno};
      syscall(SYS_write, failurePipe, &failure, sizeof failure);
      raw::ExitWith(126);
    }
  }
  raw::ExitWith(0);
}

void Prepare(std::vector<ChildStep>& steps) {
  for (ChildStep& step : steps) {
    step.argvPointers.clear();
    for (const std::string& arg : step.argv) step.argvPointers.push_back(arg.c_str());
    step.argvPointers.push_back(nullptr);
  }
}

void ReadAll(int fd, std::string* into) {
  char buffer[4096];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into->append(buffer, n);
    } else if (n == 0 || errno != EINTR) {
      return;
    }
  }
}

}  // namespace

bool RunChildSteps(std::vector<ChildStep>& steps, ChildOutcome* outcome, std::string* what) {
  Prepare(steps);
  int failurePipe[2], outputPipe[2];
  if (pipe2(failurePipe, O_CLOEXEC) != 0) return *what = "pipe2 for step failures", false;
  if (pipe2(outputPipe, O_CLOEXEC) != 0) {
    int saved = errno;
    close(failurePipe[0]), close(failurePipe[1]);
    errno = saved;
    return *what = "pipe2 for child output", false;
  }
  long pid = raw::CloneChild();
  if (pid == 0) ChildMain(steps, failurePipe[1], outputPipe[1]);
  int cloneErr = errno;
  close(failurePipe[1]), close(outputPipe[1]);
  if (pid < 0) {
    close(failurePipe[0]), close(outputPipe[0]);
    errno = cloneErr;
    return *what = "clone for probe child", false;
  }
  StepFailure failure = {-1, 0};
  ssize_t got;
  do got = read(failurePipe[0], &failure, sizeof failure); while (got < 0 && errno == EINTR);
  ReadAll(outputPipe[0], &outcome->output);
  close(failurePipe[0]), close(outputPipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return *what = "waitpid for probe child", false;
  }
  if (got == sizeof failure) outcome->failedStep = failure.step, outcome->err = failure.err;
  if (WIFEXITED(status)) outcome->exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome->signal = WTERMSIG(status);
  return true;
}

}  // namespace skerry
