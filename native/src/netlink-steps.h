#pragma once
#include <napi.h>

namespace skerry {
// netlinkRun(steps) → Promise<results[]>: rtnetlink steps (links, addresses, routes,
// /proc/sys writes), each in the network namespace it names, run in order on one thread of
// their own; the first failure rejects with a SysError whose `step` is its index.
Napi::Value NetlinkRun(const Napi::CallbackInfo& info);
}  // namespace skerry
