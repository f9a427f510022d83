// A digest with a thread of its own, fed by the event loop's thread without a trip through
// the event loop: the layer unpacker's diffId.
//
// The unpacker used digestAppend (digest.cc), one thread-pool job per batch of pieces. A
// job's end is seen only when the event loop turns, and the unpacker's main thread turns it
// rarely while it parses (its reads are queued ahead, its file writes block on the writer
// threads), so the hash sat idle between batches and ran on after parsing had ended. On the
// unpack bench, taking the hash out cut a layer's time by a fifth to a third while its CPU
// time showed the hash could have run beside the parser.
//
// Here JavaScript pushes pieces in order; the thread hashes them in that order. Pieces are
// not copied: each is held by a reference until hashed, and its bytes must not change
// meanwhile (the unpacker's input chunks never do). Waiting (for the backlog to shrink, or
// for the end) blocks the calling thread on a condition variable.
#include "digest-feed.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "digest.h"
#include "syserror.h"

namespace skerry {

namespace {

struct Piece {
  const uint8_t* data;
  size_t length;
};

struct DigestFeedState {
  EVP_MD_CTX* ctx = nullptr;
  std::mutex mutex;
  std::condition_variable pushed;
  std::condition_variable hashed;
  // Pieces not yet hashed, the first possibly being hashed now.
  std::deque<Piece> queue;
  uint64_t waitingBytes = 0;
  bool stopping = false;
  bool failed = false;
  pthread_t thread;
  bool running = false;
  // Touched by the event loop's thread only: the pieces' Buffers, in push order, and how
  // many of the oldest are hashed and may be let go.
  std::deque<Napi::Reference<Napi::Buffer<uint8_t>>> held;
  size_t hashedPieces = 0;
  size_t releasedPieces = 0;
  bool finished = false;
};

void* ThreadMain(void* arg) {
  auto* s = static_cast<DigestFeedState*>(arg);
  std::unique_lock<std::mutex> lock(s->mutex);
  for (;;) {
    s->pushed.wait(lock, [s] { return !s->queue.empty() || s->stopping; });
    if (s->queue.empty()) break;
    Piece piece = s->queue.front();
    lock.unlock();
    bool ok = EVP_DigestUpdate(s->ctx, piece.data, piece.length) == 1;
    lock.lock();
    s->queue.pop_front();
    s->waitingBytes -= piece.length;
    s->hashedPieces++;
    if (!ok) {
      // Nothing after a failed update can make a right digest: drop the rest.
      s->failed = true;
      for (const Piece& rest : s->queue) {
        s->hashedPieces++;
        s->waitingBytes -= rest.length;
      }
      s->queue.clear();
    }
    s->hashed.notify_all();
  }
  return nullptr;
}

// Lets go of the Buffers the thread is done with. On the event loop's thread.
void Release(DigestFeedState* s, size_t hashedPieces) {
  while (s->releasedPieces < hashedPieces && !s->held.empty()) {
    s->held.front().Reset();
    s->held.pop_front();
    s->releasedPieces++;
  }
}

// Ends the thread: with `drop`, at once, leaving what is queued unhashed.
void Join(DigestFeedState* s, bool drop) {
  if (!s->running) return;
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    s->stopping = true;
    if (drop && s->queue.size() > 1) {
      // The front piece may be in the thread's hands; the rest it will never see.
      for (size_t i = 1; i < s->queue.size(); i++) {
        s->waitingBytes -= s->queue[i].length;
        s->hashedPieces++;
      }
      s->queue.resize(1);
    }
  }
  s->pushed.notify_all();
  pthread_join(s->thread, nullptr);
  s->running = false;
}

void Finalize(Napi::Env, DigestFeedState* s) {
  // The thread may still read pieces: it ends before their references go.
  Join(s, true);
  s->held.clear();
  EVP_MD_CTX_free(s->ctx);
  delete s;
}

DigestFeedState* StateArgument(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "argument 0 must be a digest feed from digestFeedCreate").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<DigestFeedState>>().Data();
}

bool CheckOpen(Napi::Env env, DigestFeedState* s, const char* what) {
  if (!s->finished) return true;
  Napi::Error::New(env, std::string(what) + ": the digest feed has ended").ThrowAsJavaScriptException();
  return false;
}

// Blocks until at most `bytes` wait to be hashed; returns how many do.
uint64_t WaitBelow(DigestFeedState* s, uint64_t bytes) {
  size_t hashedPieces;
  uint64_t waiting;
  {
    std::unique_lock<std::mutex> lock(s->mutex);
    s->hashed.wait(lock, [s, bytes] { return s->waitingBytes <= bytes; });
    hashedPieces = s->hashedPieces;
    waiting = s->waitingBytes;
  }
  Release(s, hashedPieces);
  return waiting;
}

}  // namespace

// digestFeedCreate(algorithm: "sha256" | "sha512") → an opaque feed with its thread started.
Napi::Value DigestFeedCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EVP_MD_CTX* ctx = NewDigestContext(info);
  if (!ctx) return env.Undefined();
  auto* s = new DigestFeedState();
  s->ctx = ctx;
  int err = pthread_create(&s->thread, nullptr, ThreadMain, s);
  if (err != 0) {
    EVP_MD_CTX_free(s->ctx);
    delete s;
    ThrowSysError(env, err, "pthread_create (the digest feed thread)");
    return env.Undefined();
  }
  s->running = true;
  return Napi::External<DigestFeedState>::New(env, s, Finalize);
}

// digestFeedPush(feed, piece: Buffer) → bytes pushed and not yet hashed, this piece's included.
Napi::Value DigestFeedPush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestFeedState* s = StateArgument(info);
  if (s == nullptr || !CheckOpen(env, s, "digestFeedPush")) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsBuffer()) {
    Napi::TypeError::New(env, "digestFeedPush(feed, piece: Buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buffer = info[1].As<Napi::Buffer<uint8_t>>();
  size_t hashedPieces;
  uint64_t waiting;
  // Held before the thread can see it: a piece is let go only once hashed.
  if (buffer.Length() > 0) s->held.push_back(Napi::Persistent(buffer));
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    if (buffer.Length() > 0) {
      s->queue.push_back({buffer.Data(), buffer.Length()});
      s->waitingBytes += buffer.Length();
    }
    hashedPieces = s->hashedPieces;
    waiting = s->waitingBytes;
  }
  if (buffer.Length() > 0) s->pushed.notify_one();
  Release(s, hashedPieces);
  return Napi::Number::New(env, static_cast<double>(waiting));
}

// digestFeedWait(feed, bytes) blocks until at most `bytes` wait to be hashed; returns how many do.
Napi::Value DigestFeedWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestFeedState* s = StateArgument(info);
  if (s == nullptr || !CheckOpen(env, s, "digestFeedWait")) return env.Undefined();
  double bytes = info.Length() < 2 || !info[1].IsNumber() ? -1 : info[1].As<Napi::Number>().DoubleValue();
  // Written so that NaN fails too.
  if (!(bytes >= 0 && bytes <= 9007199254740991.0)) {
    Napi::TypeError::New(env, "digestFeedWait(feed, bytes: a number ≥ 0)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(WaitBelow(s, static_cast<uint64_t>(bytes))));
}

// digestFeedFinish(feed) → the hex digest of every piece pushed, once all are hashed. The
// thread ends; the feed takes nothing more.
Napi::Value DigestFeedFinish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestFeedState* s = StateArgument(info);
  if (s == nullptr || !CheckOpen(env, s, "digestFeedFinish")) return env.Undefined();
  WaitBelow(s, 0);
  Join(s, false);
  s->finished = true;
  s->held.clear();
  if (s->failed) {
    Napi::Error::New(env, "EVP_DigestUpdate failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(s->ctx, out, &length) != 1) {
    Napi::Error::New(env, "EVP_DigestFinal_ex failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::String::New(env, HexOf(out, length));
}

// digestFeedStop(feed): the feed is given up. What is queued is dropped, the thread ends,
// and the pieces are let go. Stopping an ended feed does nothing.
Napi::Value DigestFeedStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestFeedState* s = StateArgument(info);
  if (s == nullptr) return env.Undefined();
  Join(s, true);
  s->finished = true;
  s->held.clear();
  return env.Undefined();
}

}  // namespace skerry
