#ifndef SKERRY_DIGEST_H
#define SKERRY_DIGEST_H

#include <napi.h>

namespace skerry {

Napi::Value DigestCreate(const Napi::CallbackInfo& info);
Napi::Value DigestAppend(const Napi::CallbackInfo& info);
Napi::Value DigestFile(const Napi::CallbackInfo& info);
Napi::Value DigestHex(const Napi::CallbackInfo& info);

}  // namespace skerry

#endif
