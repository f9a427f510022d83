#pragma once
#include <napi.h>

namespace skerry {
// connectInNetns(nsPath, address, port, timeoutMs) → Promise<fd>: a TCP connection made from
// inside the network namespace at nsPath (a pod's ns/net file); rejects with a SysError.
Napi::Value ConnectInNetns(const Napi::CallbackInfo& info);
}  // namespace skerry
