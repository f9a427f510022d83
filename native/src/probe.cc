// Host probes for `skerry check-config`: each one tries the real thing.
#include "probe.h"

#include <errno.h>
#include <cmath>
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

}  // namespace

// runChildSteps(steps) → {exitCode, signal, output}; throws the first failing step's errno.
Napi::Value RunChildStepsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "steps: must be an array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<ChildStep> steps;
  if (!ParseChildSteps(env, info[0].As<Napi::Array>(), &steps)) return env.Undefined();
  ChildOutcome outcome;
  std::string what;
  if (!RunChildSteps(steps, &outcome, &what)) {
    ThrowSysError(env, errno, what);
    return env.Undefined();
  }
  if (outcome.failedStep >= 0) {
    ThrowSysError(env, outcome.err, steps[outcome.failedStep].label);
    return env.Undefined();
  }
  return OutcomeToObject(env, outcome);
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
