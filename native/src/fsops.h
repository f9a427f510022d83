#ifndef SKERRY_FSOPS_H
#define SKERRY_FSOPS_H

#include <napi.h>

namespace skerry {

Napi::Value SetXattr(const Napi::CallbackInfo& info);
Napi::Value GetXattr(const Napi::CallbackInfo& info);
Napi::Value Mknod(const Napi::CallbackInfo& info);
Napi::Value MountOverlay(const Napi::CallbackInfo& info);
Napi::Value Unmount(const Napi::CallbackInfo& info);

}  // namespace skerry

#endif
