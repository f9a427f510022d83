// Starting skerry-shim: exec'd from a sealed memfd copy of its binary (so /proc/<pid>/exe
// of anything on the container's setup path is unwritable, CVE-2019-5736), by a
// clone(CLONE_VM|CLONE_VFORK) child, so the agent's memory is never copied.
#include "spawn.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string.h>

#include <map>
#include <string>

#include "plan.h"
#include "syserror.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace skerry {
namespace {

constexpr unsigned kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
constexpr size_t kStackSize = 64 * 1024;

// Closes an fd when the scope ends, unless released.
struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  ~Fd() { if (fd >= 0) close(fd); }
  Fd(const Fd&) = delete;
  int release() { int f = fd; fd = -1; return f; }
};

int Memfd(const char* name) {
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  // Kernels before 6.3 do not know MFD_EXEC; their memfds are executable anyway.
  if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  return fd;
}

bool CopyInto(int to, int from, size_t size) {
  while (size > 0) {
    ssize_t n = sendfile(to, from, nullptr, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? (errno = EIO, false) : false;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The sealed memfd copy of the shim at path, made once per process and path.
int ShimMemfd(const std::string& path, std::string* what) {
  static std::map<std::string, int> cache;
  if (auto it = cache.find(path); it != cache.end()) return it->second;
  Fd src(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (src.fd < 0 || fstat(src.fd, &st) != 0) return *what = "open " + path, -1;
  Fd copy(Memfd("skerry-shim"));
  if (copy.fd < 0) return *what = "memfd_create for " + path, -1;
  if (!CopyInto(copy.fd, src.fd, static_cast<size_t>(st.st_size))) return *what = "copy " + path + " into a memfd", -1;
  if (fcntl(copy.fd, F_ADD_SEALS, kSeals) != 0) return *what = "seal the memfd copy of " + path, -1;
  int fd = fcntl(copy.fd, F_DUPFD_CLOEXEC, 10);
  if (fd < 0) return *what = "dup the shim memfd", -1;
  return cache[path] = fd;
}

// The plan in a sealed memfd: no pipe capacity limit, and the shim maps what we wrote.
int PlanMemfd(const Napi::Buffer<uint8_t>& plan, std::string* what) {
  Fd fd(Memfd("skerry-plan"));
  if (fd.fd < 0) return *what = "memfd_create for the plan", -1;
  size_t done = 0;
  while (done < plan.Length()) {
    ssize_t n = write(fd.fd, plan.Data() + done, plan.Length() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return *what = "write the plan memfd", -1;
    done += static_cast<size_t>(n);
  }
  if (fcntl(fd.fd, F_ADD_SEALS, kSeals) != 0) return *what = "seal the plan memfd", -1;
  int high = fcntl(fd.fd, F_DUPFD_CLOEXEC, 10);
  return high < 0 ? (*what = "dup the plan memfd", -1) : high;
}

struct ChildArgs {
  int shim, plan, sync;
  int stdio[3];      // all ≥ 10 (placed on 0-2), or all -1 to inherit our stdio
  int err;           // written by the child (shared memory) when a step fails
  const char* what;  // and which step
};

// Records the failed step for the parent (it shares our memory) and ends the child.
int ChildFail(ChildArgs* a, const char* what) {
  a->err = errno;
  a->what = what;
  syscall(SYS_exit, 127);
  return 0;
}

// The vfork child: raw system calls only, on its own stack, with all signals blocked.
int ChildMain(void* arg) {
  auto* a = static_cast<ChildArgs*>(arg);
  for (int i = 0; i < 3; i++) {
    // Node marks its own stdio close-on-exec; the shim is meant to inherit it.
    if (a->stdio[i] < 0) syscall(SYS_fcntl, i, F_SETFD, 0);
    else if (syscall(SYS_dup3, a->stdio[i], i, 0) < 0) return ChildFail(a, "dup3 onto the shim's stdio");
  }
  if (syscall(SYS_dup3, a->plan, PLAN_FD, 0) < 0) return ChildFail(a, "dup3 the plan onto fd 3");
  if (syscall(SYS_dup3, a->sync, SYNC_FD, 0) < 0) return ChildFail(a, "dup3 the sync socket onto fd 4");
  const char* argv[] = {"skerry-shim", nullptr};
  const char* envp[] = {nullptr};
  syscall(SYS_execveat, a->shim, "", argv, envp, AT_EMPTY_PATH);
  return ChildFail(a, "execveat skerry-shim");
}

// Clones the child with every signal blocked, so no Node handler runs on its stack.
long CloneChild(ChildArgs* args) {
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = clone(ChildMain, static_cast<char*>(stack) + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, args);
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, kStackSize);
  errno = err;
  return pid;
}

// How the shim's fds 0-2 are set: our own (inherit), /dev/null, or the caller's fds
// (-1 for /dev/null), e.g. one end of a socket pair per stream for an exec.
struct SpawnRequest {
  std::string shimPath;
  bool inheritStdio = false;
  int stdio[3] = {-1, -1, -1};
};

bool ParseStdio(Napi::Value stdio, SpawnRequest* req) {
  if (stdio.IsUndefined()) return true;
  if (stdio.IsString()) return (req->inheritStdio = stdio.As<Napi::String>().Utf8Value() == "inherit"), true;
  if (!stdio.IsObject()) return false;
  Napi::Object fds = stdio.As<Napi::Object>();
  const char* names[] = {"stdin", "stdout", "stderr"};
  for (int i = 0; i < 3; i++) {
    Napi::Value fd = fds.Get(names[i]);
    if (fd.IsUndefined()) continue;
    if (!fd.IsNumber() || fd.As<Napi::Number>().Int32Value() < 0) return false;
    req->stdio[i] = fd.As<Napi::Number>().Int32Value();
  }
  return true;
}

bool ParseRequest(const Napi::CallbackInfo& info, SpawnRequest* req) {
  Napi::Env env = info.Env();
  Napi::Object o = info.Length() == 1 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object();
  if (o.IsEmpty() || !o.Get("shimPath").IsString() || !o.Get("plan").IsBuffer() || !ParseStdio(o.Get("stdio"), req)) {
    Napi::TypeError::New(env, "spawnShim: needs {shimPath: string, plan: Buffer, stdio: 'inherit' | 'null' | {stdin?, stdout?, stderr?: fd}}")
        .ThrowAsJavaScriptException();
    return false;
  }
  req->shimPath = o.Get("shimPath").As<Napi::String>().Utf8Value();
  return true;
}

// Copies of the fds for the shim's 0-2, all above 10 so that the child's dup3 onto 0-4
// never lands on one of its own sources; /dev/null where the request names none.
bool StdioCopies(const SpawnRequest& req, Fd (&copies)[3], std::string* what) {
  if (req.inheritStdio) return true;
  Fd devNull(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (devNull.fd < 0) return *what = "open /dev/null for the shim", false;
  for (int i = 0; i < 3; i++) {
    int from = req.stdio[i] >= 0 ? req.stdio[i] : devNull.fd;
    copies[i].fd = fcntl(from, F_DUPFD_CLOEXEC, 10);
    if (copies[i].fd < 0) return *what = "dup fd " + std::to_string(from) + " for the shim's fd " + std::to_string(i), false;
  }
  return true;
}

}  // namespace

Napi::Value SpawnShim(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SpawnRequest req;
  if (!ParseRequest(info, &req)) return env.Undefined();
  std::string what;
  int shim = ShimMemfd(req.shimPath, &what);
  Fd plan(shim < 0 ? -1 : PlanMemfd(info[0].As<Napi::Object>().Get("plan").As<Napi::Buffer<uint8_t>>(), &what));
  if (plan.fd < 0) return ThrowSysError(env, errno, what), env.Undefined();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return ThrowSysError(env, errno, "socketpair for the shim's sync socket"), env.Undefined();
  Fd ours(pair[0]), theirs(fcntl(pair[1], F_DUPFD_CLOEXEC, 10));
  close(pair[1]);
  Fd stdio[3];
  if (!StdioCopies(req, stdio, &what)) return ThrowSysError(env, errno, what), env.Undefined();
  ChildArgs args = {shim, plan.fd, theirs.fd, {stdio[0].fd, stdio[1].fd, stdio[2].fd}, 0, nullptr};
  long pid = CloneChild(&args);
  if (pid < 0) return ThrowSysError(env, errno, "clone for skerry-shim"), env.Undefined();
  if (args.err != 0) {
    waitpid(static_cast<pid_t>(pid), nullptr, 0);
    return ThrowSysError(env, args.err, std::string(args.what) + " (memfd of " + req.shimPath + ")"), env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, static_cast<double>(pid)));
  result.Set("syncFd", Napi::Number::New(env, ours.release()));
  return result;
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pair[2];
  // Blocking, as a program expects of its stdio; Node makes its own end non-blocking.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return ThrowSysError(env, errno, "socketpair for exec stdio"), env.Undefined();
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, pair[0]));
  result.Set(1u, Napi::Number::New(env, pair[1]));
  return result;
}

Napi::Value Reap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "reap: pid must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int status = 0;
  pid_t got;
  do got = waitpid(pid, &status, WNOHANG); while (got < 0 && errno == EINTR);
  if (got < 0) return ThrowSysError(env, errno, "waitpid " + std::to_string(pid)), env.Undefined();
  if (got == 0) return env.Null();
  Napi::Object result = Napi::Object::New(env);
  result.Set("exitCode", WIFEXITED(status) ? Napi::Number::New(env, WEXITSTATUS(status)) : env.Null());
  result.Set("signal", WIFSIGNALED(status) ? Napi::Number::New(env, WTERMSIG(status)) : env.Null());
  return result;
}

}  // namespace skerry

namespace skerry {

// sysError(errno, what) → an Error shaped like ThrowSysError's, for failures the shim
// reports as {step, errno} after the fact.
Napi::Value SysErrorJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsNumber() || !info[1].IsString()) {
    Napi::TypeError::New(env, "sysError: needs (errno: number, what: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int err = info[0].As<Napi::Number>().Int32Value();
  std::string what = info[1].As<Napi::String>().Utf8Value();
  Napi::Error error = Napi::Error::New(env, what + ": " + ErrnoName(err) + " (" + strerror(err) + ")");
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("syscall", Napi::String::New(env, what));
  return error.Value();
}

}  // namespace skerry
