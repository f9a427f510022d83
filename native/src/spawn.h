#pragma once
#include <napi.h>

namespace skerry {
// spawnShim({shimPath, plan, stdio}) → {pid, syncFd}; throws a SysError.
Napi::Value SpawnShim(const Napi::CallbackInfo& info);
// sysError(errno, what) → an Error "what: ENAME (text)" with errno, code, syscall.
Napi::Value SysErrorJs(const Napi::CallbackInfo& info);
// reap(pid) → {exitCode, signal} or null while it runs.
Napi::Value Reap(const Napi::CallbackInfo& info);
}  // namespace skerry
