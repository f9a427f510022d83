// A short program of system calls that a forked child runs, described as data so the
// parent can prepare every string and struct before clone(): the child only issues
// raw syscalls, then exits or execs.
#pragma once
#include <napi.h>
#include <stdint.h>
#include <string>
#include <vector>

namespace skerry {

enum class StepKind { Unshare, Mount, NoNewPrivs, SeccompAllowAll, Seccomp, Capset, SetHostname, Exec };

// Capability masks for a Capset step, bit n = capability n.
struct CapabilitySets {
  uint64_t effective = 0, permitted = 0, inheritable = 0, bounding = 0;
  bool dropBounding = false;  // drop every capability outside `bounding` first
};

struct ChildStep {
  StepKind kind;
  std::string label;  // what the step does, for the error message
  unsigned long flags = 0;  // unshare/mount flags, or SECCOMP_FILTER_FLAG_* for Seccomp
  std::string source, target, fstype, data;
  std::string path;
  std::string hostname;  // SetHostname
  std::vector<std::string> argv;
  std::string program;  // Seccomp: struct sock_filter[] as bytes
  CapabilitySets caps;
  std::vector<const char*> argvPointers;  // filled by Prepare(), null-terminated
};

// Parses [{kind, label, ...}] from JS; throws a JS TypeError naming the bad field.
bool ParseChildSteps(Napi::Env env, Napi::Array list, std::vector<ChildStep>* steps);

struct ChildOutcome {
  int failedStep = -1;  // index of the step that failed, -1 when all succeeded
  int err = 0;          // its errno
  int exitCode = -1;    // the exec'd program's exit code, -1 when killed
  int signal = 0;       // the signal that killed the child, 0 when it exited
  std::string output;   // the exec'd program's stdout and stderr, interleaved
};

// Forks, runs the steps in the child, waits for it. Returns false with errno set when
// the parent itself could not fork, pipe or wait; `what` names that call.
bool RunChildSteps(std::vector<ChildStep>& steps, ChildOutcome* outcome, std::string* what);

}  // namespace skerry
