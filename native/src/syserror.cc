#include "syserror.h"

#include <string.h>

namespace skerry {

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name ? std::string(name) : "E" + std::to_string(err);
}

Napi::Error SysError(Napi::Env env, int err, const std::string& what) {
  std::string message = what + ": " + ErrnoName(err) + " (" + strerror(err) + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("code", Napi::String::New(env, ErrnoName(err)));
  error.Set("syscall", Napi::String::New(env, what));
  return error;
}

void ThrowSysError(Napi::Env env, int err, const std::string& what) {
  SysError(env, err, what).ThrowAsJavaScriptException();
}

}  // namespace skerry
