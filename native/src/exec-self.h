#pragma once
#include <napi.h>

namespace skerry {
Napi::Value ExecSelf(const Napi::CallbackInfo& info);
}  // namespace skerry
