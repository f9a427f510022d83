#include "child-steps.h"

#include <cmath>

namespace skerry {
namespace {

bool Fail(Napi::Env env, uint32_t index, const std::string& field, const std::string& reason) {
  Napi::TypeError::New(env, "steps[" + std::to_string(index) + "]." + field + ": " + reason)
      .ThrowAsJavaScriptException();
  return false;
}

bool ReadString(Napi::Object object, const char* field, bool required, std::string* into) {
  Napi::Value value = object.Get(field);
  if (value.IsUndefined() && !required) return true;
  if (!value.IsString()) return false;
  *into = value.As<Napi::String>().Utf8Value();
  return true;
}

bool ReadKind(const std::string& name, StepKind* kind) {
  if (name == "unshare") return *kind = StepKind::Unshare, true;
  if (name == "mount") return *kind = StepKind::Mount, true;
  if (name == "no-new-privs") return *kind = StepKind::NoNewPrivs, true;
  if (name == "seccomp-allow-all") return *kind = StepKind::SeccompAllowAll, true;
  if (name == "seccomp") return *kind = StepKind::Seccomp, true;
  if (name == "capset") return *kind = StepKind::Capset, true;
  if (name == "sethostname") return *kind = StepKind::SetHostname, true;
  if (name == "exec") return *kind = StepKind::Exec, true;
  return false;
}

// A capability mask: a bigint, or a number when every bit is below 2^53.
bool ReadMask(Napi::Object object, const char* field, bool required, uint64_t* into) {
  Napi::Value value = object.Get(field);
  if (value.IsUndefined()) return !required;
  if (value.IsNumber()) {
    double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= 0 && number <= 9007199254740991.0) || std::floor(number) != number) return false;  // NaN fails too
    return *into = static_cast<uint64_t>(number), true;
  }
  if (!value.IsBigInt()) return false;
  bool lossless = false;
  *into = value.As<Napi::BigInt>().Uint64Value(&lossless);
  return lossless;
}

bool ParseCapset(Napi::Env env, uint32_t index, Napi::Object object, ChildStep* step) {
  CapabilitySets& caps = step->caps;
  for (auto [field, into] : {std::pair{"effective", &caps.effective}, {"permitted", &caps.permitted},
                             {"inheritable", &caps.inheritable}}) {
    if (!ReadMask(object, field, true, into)) return Fail(env, index, field, "must be a capability mask (bigint or number)");
  }
  caps.dropBounding = !object.Get("bounding").IsUndefined();
  if (!ReadMask(object, "bounding", false, &caps.bounding)) return Fail(env, index, "bounding", "must be a capability mask (bigint or number)");
  return true;
}

// The program must be whole struct sock_filter entries, at most BPF_MAXINSNS of them.
bool ParseSeccomp(Napi::Env env, uint32_t index, Napi::Object object, ChildStep* step) {
  Napi::Value program = object.Get("program");
  if (!program.IsBuffer()) return Fail(env, index, "program", "must be a Buffer of struct sock_filter");
  Napi::Buffer<char> bytes = program.As<Napi::Buffer<char>>();
  if (bytes.Length() == 0 || bytes.Length() % 8 != 0 || bytes.Length() / 8 > 4096)
    return Fail(env, index, "program", "must hold 1 to 4096 instructions of 8 bytes");
  step->program.assign(bytes.Data(), bytes.Length());
  return true;
}

bool ParseOne(Napi::Env env, uint32_t index, Napi::Object object, ChildStep* step) {
  std::string kindName;
  if (!ReadString(object, "kind", true, &kindName) || !ReadKind(kindName, &step->kind))
    return Fail(env, index, "kind", "must be unshare, mount, no-new-privs, seccomp-allow-all, seccomp, capset, sethostname or exec");
  if (!ReadString(object, "label", true, &step->label))
    return Fail(env, index, "label", "must be a string");
  Napi::Value flags = object.Get("flags");
  if (!flags.IsUndefined() && !flags.IsNumber()) return Fail(env, index, "flags", "must be a number");
  if (flags.IsNumber()) step->flags = static_cast<unsigned long>(flags.As<Napi::Number>().Int64Value());
  for (auto [field, into] : {std::pair{"source", &step->source}, {"target", &step->target},
                             {"fstype", &step->fstype}, {"data", &step->data}, {"path", &step->path}}) {
    if (!ReadString(object, field, false, into)) return Fail(env, index, field, "must be a string");
  }
  if (step->kind == StepKind::Seccomp) return ParseSeccomp(env, index, object, step);
  if (step->kind == StepKind::Capset) return ParseCapset(env, index, object, step);
  if (step->kind == StepKind::SetHostname) {
    // The kernel's limit (HOST_NAME_MAX); checked here so the child never sees a bad one.
    if (!ReadString(object, "hostname", true, &step->hostname) || step->hostname.empty() || step->hostname.size() > 64)
      return Fail(env, index, "hostname", "must be a string of 1 to 64 bytes");
    return true;
  }
  Napi::Value argv = object.Get("argv");
  if (argv.IsUndefined()) return true;
  if (!argv.IsArray()) return Fail(env, index, "argv", "must be an array of strings");
  Napi::Array args = argv.As<Napi::Array>();
  for (uint32_t i = 0; i < args.Length(); i++) {
    Napi::Value arg = args.Get(i);
    if (!arg.IsString()) return Fail(env, index, "argv", "must be an array of strings");
    step->argv.push_back(arg.As<Napi::String>().Utf8Value());
  }
  return true;
}

}  // namespace

bool ParseChildSteps(Napi::Env env, Napi::Array list, std::vector<ChildStep>* steps) {
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) return Fail(env, i, "", "must be an object");
    ChildStep step;
    if (!ParseOne(env, i, item.As<Napi::Object>(), &step)) return false;
    if (step.kind == StepKind::Exec && (step.path.empty() || step.argv.empty()))
      return Fail(env, i, "path", "exec needs a path and a non-empty argv");
    steps->push_back(std::move(step));
  }
  return true;
}

}  // namespace skerry
