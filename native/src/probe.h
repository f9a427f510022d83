#pragma once
#include <napi.h>

namespace skerry {
Napi::Value RunChildStepsJs(const Napi::CallbackInfo& info);
Napi::Value RunChildStepsAsyncJs(const Napi::CallbackInfo& info);
Napi::Value ProbePidfd(const Napi::CallbackInfo& info);
Napi::Value GetRlimits(const Napi::CallbackInfo& info);
Napi::Value BecomeChildSubreaper(const Napi::CallbackInfo& info);
}  // namespace skerry
