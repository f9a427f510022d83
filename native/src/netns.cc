// A TCP connection from inside another network namespace, for probes and hooks that must
// reach a pod's loopback (pods have no IP yet). setns(CLONE_NEWNET) changes only the
// calling thread, so each connection gets a short-lived thread of its own: it enters the
// namespace, makes the socket there (a socket stays in the namespace it was made in),
// connects with a deadline and ends, taking the namespace with it. Never a libuv pool
// thread: it would stay in the pod's namespace for the DNS lookups that run on it later,
// and a connect that hangs must not hold a pool thread that file reads are waiting for.
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "syserror.h"

namespace skerry {
namespace {

// One connection: asked for on the main thread, made on its own thread, settled back on the
// main thread through the thread-safe function.
struct ConnectJob {
  std::string nsPath, address;
  int port = 0, timeoutMs = 0;
  int fd = -1;
  int err = 0;
  std::string what;
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction done;
  explicit ConnectJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void Fail(int e, const std::string& w) {
    err = e, what = w;
    if (fd >= 0) close(fd), fd = -1;
  }
};

long long NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool ParseAddress(ConnectJob* job, sockaddr_storage* addr, socklen_t* len) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  uint16_t port = htons(static_cast<uint16_t>(job->port));
  if (inet_pton(AF_INET, job->address.c_str(), &v4->sin_addr) == 1) return v4->sin_family = AF_INET, v4->sin_port = port, *len = sizeof *v4, true;
  if (inet_pton(AF_INET6, job->address.c_str(), &v6->sin6_addr) == 1) return v6->sin6_family = AF_INET6, v6->sin6_port = port, *len = sizeof *v6, true;
  job->Fail(EINVAL, "parse " + job->address + " as an IP address");
  return false;
}

// Enters the namespace (this thread only) and makes a non-blocking socket there.
bool SocketInNetns(ConnectJob* job, int family) {
  int ns = open(job->nsPath.c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0) return job->Fail(errno, "open " + job->nsPath), false;
  int rc = setns(ns, CLONE_NEWNET);
  int setnsErr = errno;
  close(ns);
  if (rc != 0) return job->Fail(setnsErr, "setns CLONE_NEWNET " + job->nsPath), false;
  job->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (job->fd < 0) return job->Fail(errno, "socket in " + job->nsPath), false;
  return true;
}

// A non-blocking connect, waited for with poll up to the timeout.
void Connect(ConnectJob* job, const sockaddr* addr, socklen_t len) {
  const std::string to = "connect to " + job->address + ":" + std::to_string(job->port) + " in " + job->nsPath;
  if (connect(job->fd, addr, len) == 0) return;
  if (errno != EINPROGRESS) return job->Fail(errno, to);
  long long deadline = NowMs() + job->timeoutMs;
  pollfd p = {job->fd, POLLOUT, 0};
  for (;;) {
    long long left = deadline - NowMs();
    if (left <= 0) return job->Fail(ETIMEDOUT, to);
    int n = poll(&p, 1, static_cast<int>(left));
    if (n > 0) break;
    if (n < 0 && errno != EINTR) return job->Fail(errno, "poll while " + to);
  }
  int soError = 0;
  socklen_t size = sizeof soError;
  if (getsockopt(job->fd, SOL_SOCKET, SO_ERROR, &soError, &size) != 0) return job->Fail(errno, "getsockopt SO_ERROR after " + to);
  if (soError != 0) job->Fail(soError, to);
}

// On the main thread: settle the promise and free the job.
void Settle(Napi::Env env, Napi::Function, ConnectJob* job) {
  if (job->err != 0) job->deferred.Reject(SysError(env, job->err, job->what).Value());
  else job->deferred.Resolve(Napi::Number::New(env, job->fd));
  delete job;
}

void* ConnectThread(void* arg) {
  auto* job = static_cast<ConnectJob*>(arg);
  sockaddr_storage addr = {};
  socklen_t len = 0;
  if (ParseAddress(job, &addr, &len) && SocketInNetns(job, addr.ss_family)) Connect(job, reinterpret_cast<sockaddr*>(&addr), len);
  Napi::ThreadSafeFunction done = job->done;
  done.BlockingCall(job, Settle);
  done.Release();
  return nullptr;
}

}  // namespace

Napi::Value ConnectInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool ok = info.Length() == 4 && info[0].IsString() && info[1].IsString() && info[2].IsNumber() && info[3].IsNumber();
  int port = ok ? info[2].As<Napi::Number>().Int32Value() : 0;
  int timeoutMs = ok ? info[3].As<Napi::Number>().Int32Value() : 0;
  if (!ok || port <= 0 || port > 65535 || timeoutMs <= 0) {
    Napi::TypeError::New(env, "connectInNetns: needs (nsPath: string, address: string, port: 1-65535, timeoutMs > 0)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* job = new ConnectJob(env);
  job->nsPath = info[0].As<Napi::String>().Utf8Value();
  job->address = info[1].As<Napi::String>().Utf8Value();
  job->port = port, job->timeoutMs = timeoutMs;
  Napi::Promise promise = job->deferred.Promise();
  job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "connectInNetns", 0, 1);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, ConnectThread, job);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    job->done.Release();
    job->deferred.Reject(SysError(env, rc, "pthread_create for entering " + job->nsPath).Value());
    delete job;
  }
  return promise;
}

}  // namespace skerry
