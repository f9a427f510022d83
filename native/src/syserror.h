// Errors from system calls, carried to JavaScript with errno, the call and its subject.
#pragma once
#include <napi.h>
#include <string>

namespace skerry {

// Throws a JS Error like "unshare CLONE_NEWUSER: EINVAL (Invalid argument)" with
// .errno, .code and .syscall set, so callers can branch on the code.
void ThrowSysError(Napi::Env env, int err, const std::string& what);

// The same Error, not thrown: for failures reported later (a promise's rejection).
Napi::Error SysError(Napi::Env env, int err, const std::string& what);

// The symbolic name of an errno value ("EPERM"), or "E<n>" when unknown.
std::string ErrnoName(int err);

}  // namespace skerry
