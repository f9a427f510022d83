#pragma once
#include <napi.h>

namespace skerry {
Napi::Value SetMallocMmapThreshold(const Napi::CallbackInfo& info);
}  // namespace skerry
