#ifndef SKERRY_DIGEST_FEED_H
#define SKERRY_DIGEST_FEED_H

#include <napi.h>

namespace skerry {

Napi::Value DigestFeedCreate(const Napi::CallbackInfo& info);
Napi::Value DigestFeedPush(const Napi::CallbackInfo& info);
Napi::Value DigestFeedWait(const Napi::CallbackInfo& info);
Napi::Value DigestFeedFinish(const Napi::CallbackInfo& info);
Napi::Value DigestFeedStop(const Napi::CallbackInfo& info);

}  // namespace skerry

#endif
