// glibc raises its mmap threshold after each large block it frees, up to 32 MiB, so that the
// next blocks of that size come from an arena and stay resident after free. The server's
// scrypt of a node password (16 MiB on a thread-pool thread) kept 30–60 MiB that way once 10
// agents had joined (ADR 013). A fixed threshold puts every large block in mmap, and gives it
// back on free.
#include "malloc-tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace skerry {

// setMallocMmapThreshold(bytes) → true when the C library took it, false where it has no such
// knob (not glibc). Unlike M_ARENA_MAX, this one counts from the call on.
Napi::Value SetMallocMmapThreshold(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setMallocMmapThreshold(bytes): bytes must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double bytes = info[0].As<Napi::Number>().DoubleValue();
  // glibc refuses more than HEAP_MAX_SIZE / 2 (32 MiB on 64-bit).
  if (!(bytes >= 4096 && bytes <= 32.0 * 1024 * 1024)) {
    Napi::RangeError::New(env, "setMallocMmapThreshold(bytes): bytes must be from 4096 to 33554432").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#if defined(__GLIBC__)
  return Napi::Boolean::New(env, mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes)) == 1);
#else
  return Napi::Boolean::New(env, false);
#endif
}

}  // namespace skerry
