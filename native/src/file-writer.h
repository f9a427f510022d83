// The unpacker's file-making thread (see file-writer.cc).
#pragma once
#include <napi.h>

namespace skerry {

Napi::Value FileWriterCreate(const Napi::CallbackInfo& info);
Napi::Value FileWriterHandover(const Napi::CallbackInfo& info);
Napi::Value FileWriterWait(const Napi::CallbackInfo& info);
Napi::Value FileWriterIdle(const Napi::CallbackInfo& info);
Napi::Value FileWriterFailed(const Napi::CallbackInfo& info);
Napi::Value FileWriterTakeFailure(const Napi::CallbackInfo& info);

}  // namespace skerry
