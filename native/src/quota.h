#ifndef SKERRY_QUOTA_H
#define SKERRY_QUOTA_H

#include <napi.h>

namespace skerry {

Napi::Value GetProjectAttr(const Napi::CallbackInfo& info);
Napi::Value SetProjectAttr(const Napi::CallbackInfo& info);
Napi::Value ProjectQuotaState(const Napi::CallbackInfo& info);
Napi::Value GetProjectQuota(const Napi::CallbackInfo& info);
Napi::Value SetProjectQuota(const Napi::CallbackInfo& info);

}  // namespace skerry

#endif
