#pragma once
#include <napi.h>

namespace skerry {
// spawnShim({shimPath, plan, stdio: 'inherit' | 'null' | {stdin?, stdout?, stderr?}}) → {pid, syncFd}; throws a SysError.
Napi::Value SpawnShim(const Napi::CallbackInfo& info);
// sysError(errno, what) → an Error "what: ENAME (text)" with errno, code, syscall.
Napi::Value SysErrorJs(const Napi::CallbackInfo& info);
// socketPair() → [fd, fd]: a blocking AF_UNIX stream pair, close-on-exec; throws a SysError.
Napi::Value SocketPair(const Napi::CallbackInfo& info);
// reap(pid) → {exitCode, signal} or null while it runs.
Napi::Value Reap(const Napi::CallbackInfo& info);
}  // namespace skerry
