// The C heap of a long-running skerry process. glibc gives a thread that contends for malloc
// an arena of its own, up to 8 per core, and fixes that limit when the first extra arena is
// made, which Node's threads do before any addon loads; memory freed in those arenas stays
// resident. MALLOC_ARENA_MAX only counts when it is in the environment at exec, so the
// daemon verbs exec themselves once with it (ADR 013).
#include "exec-self.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <string>
#include <vector>

#include "syserror.h"

namespace skerry {
namespace {

bool StringArray(const Napi::Value& value, std::vector<std::string>* out) {
  if (!value.IsArray()) return false;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) return false;
    out->push_back(item.As<Napi::String>().Utf8Value());
  }
  return true;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

// execSelf(file, argv: string[], env: string[]): replaces this process (same pid, same
// stdio); returns only by throwing, with errno, when execve fails.
Napi::Value ExecSelf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> argv, envp;
  if (info.Length() != 3 || !info[0].IsString() || !StringArray(info[1], &argv) || !StringArray(info[2], &envp) || argv.empty()) {
    Napi::TypeError::New(env, "execSelf(file, argv, env): file a string, argv a non-empty and env an array of strings").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string file = info[0].As<Napi::String>().Utf8Value();
  // A blocked signal stays blocked across execve; the new process must start with none.
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, nullptr) != 0) {
    ThrowSysError(env, errno, "sigprocmask before execve " + file);
    return env.Undefined();
  }
  // Node marks its own stdio close-on-exec at start; the new image must keep it.
  int stdioFlags[3];
  for (int fd = 0; fd < 3; fd++) {
    stdioFlags[fd] = fcntl(fd, F_GETFD);
    if (stdioFlags[fd] >= 0 && fcntl(fd, F_SETFD, stdioFlags[fd] & ~FD_CLOEXEC) != 0) {
      ThrowSysError(env, errno, "fcntl F_SETFD on stdio fd " + std::to_string(fd) + " before execve " + file);
      return env.Undefined();
    }
  }
  std::vector<char*> argPointers = Pointers(argv);
  std::vector<char*> envPointers = Pointers(envp);
  execve(file.c_str(), argPointers.data(), envPointers.data());
  int err = errno;
  for (int fd = 0; fd < 3; fd++) {
    if (stdioFlags[fd] >= 0) fcntl(fd, F_SETFD, stdioFlags[fd]);
  }
  ThrowSysError(env, err, "execve " + file);
  return env.Undefined();
}

}  // namespace skerry
