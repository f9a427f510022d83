// Content digests computed on libuv's thread pool, together with the write they check.
//
// A blob download hashes every byte it stores. On the event loop, SHA-256 (≈1.1 GB/s here)
// was the largest single cost of a pull, and the loop was the pull's bottleneck: while it
// hashed it read no socket. Here one job appends a batch of buffers to the blob's file with
// writev and feeds the same bytes to the digest, so the loop only moves buffers. The digest
// is OpenSSL's EVP, which Node itself links and exports to addons.
//
// A digest state is owned by one writer and used by one job at a time; a second job on a
// busy state is refused rather than allowed to interleave updates.
#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "syserror.h"

namespace skerry {

namespace {

struct DigestState {
  EVP_MD_CTX* ctx = nullptr;
  bool busy = false;
  // A write that failed part-way leaves the file and the digest out of step: no digest then.
  bool broken = false;
};

DigestState* StateArgument(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsExternal()) {
    Napi::TypeError::New(info.Env(), "argument " + std::to_string(index) + " must be a digest state from digestCreate").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[index].As<Napi::External<DigestState>>().Data();
}

bool TakeState(Napi::Env env, DigestState* state, const char* what) {
  if (state->busy) {
    Napi::Error::New(env, std::string(what) + ": the digest is in use by another job").ThrowAsJavaScriptException();
    return false;
  }
  state->busy = true;
  return true;
}

// writev of all of iov, resuming after a short write or EINTR; returns 0 or the errno.
int WriteAll(int fd, std::vector<iovec> iov, size_t* written) {
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = writev(fd, &iov[first], count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    // A regular file never takes 0 bytes of a non-empty write; anything else must not spin.
    if (n == 0) return EIO;
    *written += static_cast<size_t>(n);
    size_t left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return 0;
}

// What both jobs share: the digest state (marked busy until the job settles), the values kept
// alive for it, and how its outcome reaches the promise.
class DigestJob : public Napi::AsyncWorker {
 public:
  DigestJob(Napi::Env env, DigestState* state, int fd, Napi::Object keep)
      : Napi::AsyncWorker(env), state_(state), fd_(fd), deferred_(Napi::Promise::Deferred::New(env)) {
    keep_ = Napi::Persistent(keep);
  }
  // Queues the job; the promise settles with the bytes it handled.
  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();
    return promise;
  }

 protected:
  // Adds bytes to the digest on the thread pool; false (and the state broken) when OpenSSL fails.
  bool Update(const void* data, size_t length) {
    if (EVP_DigestUpdate(state_->ctx, data, length) == 1) return true;
    digest_failed_ = true;
    state_->broken = true;
    return false;
  }
  void Fail(int err) {
    err_ = err;
    state_->broken = true;
  }
  // "<call> of …" for a system call's failure, with what was done so far.
  virtual std::string FailedCall() const = 0;

  // Not reached today (nothing calls SetError), but a job must never leave its promise open
  // or its digest marked busy.
  void OnError(const Napi::Error& error) override {
    state_->busy = false;
    deferred_.Reject(error.Value());
  }
  void OnOK() override {
    state_->busy = false;
    Napi::Env env = Env();
    if (err_ != 0) return deferred_.Reject(SysError(env, err_, FailedCall()).Value());
    if (digest_failed_) return deferred_.Reject(Napi::Error::New(env, "EVP_DigestUpdate failed").Value());
    deferred_.Resolve(Napi::Number::New(env, static_cast<double>(bytes_)));
  }

  DigestState* state_;
  int fd_;
  size_t bytes_ = 0;

 private:
  Napi::ObjectReference keep_;
  Napi::Promise::Deferred deferred_;
  int err_ = 0;
  bool digest_failed_ = false;
};

class AppendJob : public DigestJob {
 public:
  AppendJob(Napi::Env env, DigestState* state, int fd, std::vector<iovec> iov, Napi::Object keep)
      : DigestJob(env, state, fd, keep), iov_(std::move(iov)) {
    for (const iovec& v : iov_) bytes_ += v.iov_len;
  }

 protected:
  void Execute() override {
    if (fd_ >= 0) {
      int err = WriteAll(fd_, iov_, &written_);
      if (err != 0) return Fail(err);
    }
    for (const iovec& v : iov_) {
      if (!Update(v.iov_base, v.iov_len)) return;
    }
  }
  std::string FailedCall() const override {
    return "writev of " + std::to_string(bytes_) + " bytes to the blob (" + std::to_string(written_) + " written)";
  }

 private:
  std::vector<iovec> iov_;
  size_t written_ = 0;
};

constexpr size_t kReadBytes = 1 << 20;

// bytes_ counts what was read: the file's size once the job is done.
class FileJob : public DigestJob {
 public:
  using DigestJob::DigestJob;

 protected:
  void Execute() override {
    std::vector<char> buffer(kReadBytes);
    for (;;) {
      ssize_t n = pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(bytes_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(errno);
      }
      if (n == 0 || !Update(buffer.data(), static_cast<size_t>(n))) return;
      bytes_ += static_cast<size_t>(n);
    }
  }
  std::string FailedCall() const override { return "pread of the blob at " + std::to_string(bytes_); }
};

// The job holds the state (and whatever else `keep` names) until it is done, so nothing it
// reads is collected under it.
Napi::Object KeepAlive(Napi::Env env, Napi::Value state) {
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("state", state);
  return keep;
}

}  // namespace

// digestCreate(algorithm: "sha256" | "sha512") → an opaque digest state.
Napi::Value DigestCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EVP_MD_CTX* ctx = NewDigestContext(info);
  if (!ctx) return env.Undefined();
  auto* state = new DigestState();
  state->ctx = ctx;
  return Napi::External<DigestState>::New(env, state, [](Napi::Env, DigestState* s) {
    EVP_MD_CTX_free(s->ctx);
    delete s;
  });
}

// digestAppend(state, fd, buffers: Buffer[]) → Promise<bytes>: writev(fd) of the buffers (fd
// -1: no write), then the digest of the same bytes, both on the thread pool.
Napi::Value DigestAppend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestState* state = StateArgument(info, 0);
  if (!state) return env.Undefined();
  if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsArray()) {
    Napi::TypeError::New(env, "digestAppend(state, fd: number, buffers: Buffer[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[1].As<Napi::Number>().Int32Value();
  Napi::Array buffers = info[2].As<Napi::Array>();
  std::vector<iovec> iov;
  iov.reserve(buffers.Length());
  // The job's own array of the Buffers: the caller may empty or reuse theirs meanwhile.
  Napi::Array held = Napi::Array::New(env, buffers.Length());
  for (uint32_t i = 0; i < buffers.Length(); i++) {
    Napi::Value item = buffers.Get(i);
    if (!item.IsBuffer()) {
      Napi::TypeError::New(env, "digestAppend: buffers[" + std::to_string(i) + "] is not a Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    held.Set(i, item);
    auto buffer = item.As<Napi::Buffer<char>>();
    if (buffer.Length() > 0) iov.push_back({buffer.Data(), buffer.Length()});
  }
  if (!TakeState(env, state, "digestAppend")) return env.Undefined();
  Napi::Object keep = KeepAlive(env, info[0]);
  keep.Set("buffers", held);
  return (new AppendJob(env, state, fd, std::move(iov), keep))->Start();
}

// digestFile(state, fd) → Promise<bytes>: the digest of the file's bytes from offset 0 to its end.
Napi::Value DigestFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestState* state = StateArgument(info, 0);
  if (!state) return env.Undefined();
  if (info.Length() < 2 || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "digestFile(state, fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!TakeState(env, state, "digestFile")) return env.Undefined();
  return (new FileJob(env, state, info[1].As<Napi::Number>().Int32Value(), KeepAlive(env, info[0])))->Start();
}

// digestHex(state) → the hex digest of the bytes so far; the state can take more after it.
Napi::Value DigestHex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DigestState* state = StateArgument(info, 0);
  if (!state) return env.Undefined();
  if (state->busy) {
    Napi::Error::New(env, "digestHex: the digest is in use by a job").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (state->broken) {
    Napi::Error::New(env, "digestHex: a write or read failed part-way, so the digest does not match the file").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = copy && EVP_MD_CTX_copy_ex(copy, state->ctx) == 1 && EVP_DigestFinal_ex(copy, out, &length) == 1;
  EVP_MD_CTX_free(copy);
  if (!ok) {
    Napi::Error::New(env, "EVP_DigestFinal_ex failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::String::New(env, HexOf(out, length));
}

EVP_MD_CTX* NewDigestContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  const EVP_MD* md = name == "sha256" ? EVP_sha256() : name == "sha512" ? EVP_sha512() : nullptr;
  if (!md) {
    Napi::TypeError::New(env, "digest algorithm \"" + name + "\" is not sha256 or sha512").ThrowAsJavaScriptException();
    return nullptr;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    Napi::Error::New(env, "EVP_DigestInit_ex for " + name + " failed").ThrowAsJavaScriptException();
    return nullptr;
  }
  return ctx;
}

std::string HexOf(const unsigned char* bytes, unsigned int length) {
  static const char kHex[] = "0123456789abcdef";
  std::string hex(length * 2, '0');
  for (unsigned int i = 0; i < length; i++) {
    hex[2 * i] = kHex[bytes[i] >> 4];
    hex[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return hex;
}

}  // namespace skerry
