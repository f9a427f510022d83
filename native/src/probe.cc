// Host probes for `skerry check-config`: each one tries the real thing.
#include "probe.h"

#include <errno.h>
#include <cmath>
#include <utility>
#include <vector>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child-steps.h"
#include "syserror.h"

namespace skerry {
namespace {

Napi::Object OutcomeToObject(Napi::Env env, const ChildOutcome& outcome) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("exitCode", outcome.exitCode < 0 ? env.Null() : Napi::Number::New(env, outcome.exitCode));
  result.Set("signal", outcome.signal == 0 ? env.Null() : Napi::Number::New(env, outcome.signal));
  result.Set("output", Napi::String::New(env, outcome.output));
  return result;
}

Napi::Value LimitValue(Napi::Env env, rlim_t value) {
  if (value == RLIM_INFINITY) return Napi::Number::New(env, INFINITY);
  return Napi::Number::New(env, static_cast<double>(value));
}

// The one argument, an array of steps; false with a JS exception pending when it is not.
bool StepsArgument(const Napi::CallbackInfo& info, std::vector<ChildStep>* steps) {
  if (info.Length() != 1 || !info[0].IsArray()) {
    Napi::TypeError::New(info.Env(), "steps: must be an array").ThrowAsJavaScriptException();
    return false;
  }
  return ParseChildSteps(info.Env(), info[0].As<Napi::Array>(), steps);
}

// What a run of RunChildSteps amounts to: its outcome, or the error of the call (ran false,
// errno in err) or of the first failing step.
struct StepsResult {
  bool ran = false;
  int err = 0;
  std::string what;
  ChildOutcome outcome;
};

Napi::Value ResultToValue(Napi::Env env, const StepsResult& result, const std::vector<ChildStep>& steps, Napi::Error* error) {
  if (!result.ran) return *error = SysError(env, result.err, result.what), env.Undefined();
  if (result.outcome.failedStep >= 0) return *error = SysError(env, result.outcome.err, steps[result.outcome.failedStep].label), env.Undefined();
  return OutcomeToObject(env, result.outcome);
}

StepsResult Run(std::vector<ChildStep>& steps) {
  StepsResult result;
  result.ran = RunChildSteps(steps, &result.outcome, &result.what);
  result.err = errno;
  return result;
}

}  // namespace

// runChildSteps(steps) → {exitCode, signal, output}; throws the first failing step's errno.
Napi::Value RunChildStepsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ChildStep> steps;
  if (!StepsArgument(info, &steps)) return env.Undefined();
  Napi::Error error;
  Napi::Value value = ResultToValue(env, Run(steps), steps, &error);
  if (!error.IsEmpty()) error.ThrowAsJavaScriptException();
  return value;
}

// runChildStepsAsync(steps) → Promise of the same outcome: the fork and the wait for the child
// happen on libuv's thread pool. A pod's sandbox child unshares a network namespace, which
// takes the kernel milliseconds; waiting for it on the main thread stalled every other pod.
namespace {
class ChildStepsWorker : public Napi::AsyncWorker {
 public:
  ChildStepsWorker(Napi::Env env, std::vector<ChildStep> steps)
      : Napi::AsyncWorker(env), steps_(std::move(steps)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { result_ = Run(steps_); }
  void OnOK() override {
    Napi::Error error;
    Napi::Value value = ResultToValue(Env(), result_, steps_, &error);
    if (!error.IsEmpty()) return deferred_.Reject(error.Value());
    deferred_.Resolve(value);
  }

 private:
  std::vector<ChildStep> steps_;
  Napi::Promise::Deferred deferred_;
  StepsResult result_;
};
}  // namespace

Napi::Value RunChildStepsAsyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ChildStep> steps;
  if (!StepsArgument(info, &steps)) return env.Undefined();
  auto* worker = new ChildStepsWorker(env, std::move(steps));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// probePidfd() → true; throws when pidfd_open is unavailable.
Napi::Value ProbePidfd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  long fd = syscall(SYS_pidfd_open, getpid(), 0);
  if (fd < 0) {
    ThrowSysError(env, errno, "pidfd_open of own pid");
    return env.Undefined();
  }
  close(static_cast<int>(fd));
  return Napi::Boolean::New(env, true);
}

// becomeChildSubreaper(): orphans below this process are reparented to it, not to init,
// so a restarted agent's tests (and an agent that outlives its shims) can reap them.
Napi::Value BecomeChildSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) ThrowSysError(env, errno, "prctl PR_SET_CHILD_SUBREAPER");
  return env.Undefined();
}

// getRlimits() → {nofile: {soft, hard}, ...}; Infinity stands for RLIM_INFINITY.
Napi::Value GetRlimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const std::pair<const char*, int> kLimits[] = {
      {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},     {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
      {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
      {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  Napi::Object result = Napi::Object::New(env);
  for (auto [name, resource] : kLimits) {
    struct rlimit limit;
    if (getrlimit(resource, &limit) != 0) {
      ThrowSysError(env, errno, std::string("getrlimit RLIMIT_") + name);
      return env.Undefined();
    }
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("soft", LimitValue(env, limit.rlim_cur));
    entry.Set("hard", LimitValue(env, limit.rlim_max));
    result.Set(name, entry);
  }
  return result;
}

}  // namespace skerry
