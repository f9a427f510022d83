// A thread that makes regular files from queued records, for the layer unpacker
// (edge-agent/images/unpack/filewriter.ts). The event loop parses the tar and takes every
// safety decision; what is left per file is a fixed run of system calls: open it
// O_CREAT|O_EXCL|O_NOFOLLOW, write its bytes, set owner, mode and times on the fd, close it.
//
// Before this thread there was a worker_threads Worker doing the same with fs.*Sync. On the
// unpack bench's 10,000 small files its calls took about 85 ms where the same system calls
// from C take about 55: Node's per-call cost (a path string, a context object, a check for
// an error per call) is as large as the system call on tmpfs. The unpacker's main thread
// then waited on the worker for a third of the layer.
//
// Records are written by JavaScript into a few fixed buffers ("slots") and handed over
// in order; the thread runs each slot's records and hands it back. A mutex and two
// condition variables carry the hand-overs, which also order the buffer's bytes between
// the threads. The first failing call is kept (errno, the call, the path) and every later
// record is skipped until the failure is taken.
#include "file-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "syserror.h"

namespace skerry {

namespace {

// Record kinds; filewriter.ts writes the same numbers and layouts (little-endian).
constexpr uint8_t kOpen = 1;   // mode u32, sequence u32, length u32, path bytes
constexpr uint8_t kData = 2;   // length u32, bytes
constexpr uint8_t kClose = 3;  // flags u8, uid u32, gid u32, mode u32, mtime f64 (seconds)
constexpr uint8_t kReset = 4;  // closes the open file, if any, unfinished
constexpr uint8_t kChown = 1;
constexpr uint8_t kChmod = 2;

struct Slot {
  const uint8_t* data = nullptr;
  size_t capacity = 0;
  size_t length = 0;
  bool busy = false;
};

struct FileWriterState {
  std::mutex mutex;
  std::condition_variable handedOver;
  std::condition_variable handedBack;
  std::vector<Slot> slots;
  size_t next = 0;
  bool stopping = false;
  pthread_t thread;
  bool started = false;
  Napi::ObjectReference buffers;

  // Touched by the writer thread only while it runs a slot, and by JS only while none is busy.
  int fd = -1;
  // The writer's number of the file being made, and of the one that failed.
  uint32_t sequence = 0;
  uint32_t failedSequence = 0;
  int error = 0;
  std::string syscall;
  std::string path;
  // Also read by JS (FileWriterFailed) while the thread runs: the details above are read
  // only once every slot is handed back.
  std::atomic<bool> failed{false};
};

uint32_t U32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

double F64(const uint8_t* p) {
  double v;
  memcpy(&v, p, sizeof v);
  return v;
}

void Drop(FileWriterState* s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
}

bool Fail(FileWriterState* s, const char* call, const std::string& path) {
  s->error = errno;
  s->failedSequence = s->sequence;
  s->syscall = call;
  s->path = path;
  s->failed = true;
  Drop(s);
  return false;
}

// EEXIST means a non-directory this layer made earlier (directories never come here),
// which a later entry of the same path replaces.
bool OpenFile(FileWriterState* s, const std::string& path, mode_t mode) {
  Drop(s);
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(path.c_str(), flags, mode);
  if (fd < 0 && errno == EEXIST) {
    if (unlink(path.c_str()) != 0) return Fail(s, "unlink", path);
    fd = open(path.c_str(), flags, mode);
  }
  if (fd < 0) return Fail(s, "open", path);
  s->fd = fd;
  s->path = path;
  return true;
}

bool WriteData(FileWriterState* s, const uint8_t* data, size_t length) {
  while (length > 0) {
    ssize_t n = write(s->fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(s, "write", s->path);
    }
    if (n == 0) {
      errno = EIO;
      return Fail(s, "write", s->path);
    }
    data += n;
    length -= static_cast<size_t>(n);
  }
  return true;
}

bool FinishFile(FileWriterState* s, uint8_t flags, uint32_t uid, uint32_t gid, uint32_t mode, double mtime) {
  // Owner before mode: chown(2) clears setuid and setgid bits.
  if ((flags & kChown) && fchown(s->fd, uid, gid) != 0) return Fail(s, "fchown", s->path);
  if ((flags & kChmod) && fchmod(s->fd, mode) != 0) return Fail(s, "fchmod", s->path);
  // As libuv converts the times of Node's futimes (microseconds, truncated), so that a file
  // gets the same time whichever thread makes it.
  timespec times[2];
  times[0].tv_sec = static_cast<time_t>(mtime);
  times[0].tv_nsec = static_cast<long>((mtime - static_cast<double>(times[0].tv_sec)) * 1e9);
  times[0].tv_nsec -= times[0].tv_nsec % 1000;
  if (times[0].tv_nsec < 0) {
    times[0].tv_nsec += 1000000000;
    times[0].tv_sec -= 1;
  }
  times[1] = times[0];
  if (futimens(s->fd, times) != 0) return Fail(s, "futime", s->path);
  int fd = s->fd;
  s->fd = -1;
  if (close(fd) != 0) return Fail(s, "close", s->path);
  return true;
}

// Runs one slot's records; stops at the first failure. The lengths come from our own
// JavaScript, but a record running past the slot is still refused, never read.
void RunSlot(FileWriterState* s, const uint8_t* buf, size_t end) {
  size_t at = 0;
  while (at < end) {
    uint8_t op = buf[at++];
    if (op == kOpen && at + 12 <= end) {
      uint32_t mode = U32(buf + at);
      s->sequence = U32(buf + at + 4);
      uint32_t length = U32(buf + at + 8);
      at += 12;
      if (length > end - at) break;
      std::string path(reinterpret_cast<const char*>(buf + at), length);
      at += length;
      if (!OpenFile(s, path, mode)) return;
    } else if (op == kData && at + 4 <= end) {
      uint32_t length = U32(buf + at);
      at += 4;
      if (length > end - at) break;
      if (s->fd < 0) {
        errno = EBADF;
        Fail(s, "write", s->path);
        return;
      }
      if (!WriteData(s, buf + at, length)) return;
      at += length;
    } else if (op == kClose && at + 21 <= end) {
      if (s->fd < 0) {
        errno = EBADF;
        Fail(s, "close", s->path);
        return;
      }
      if (!FinishFile(s, buf[at], U32(buf + at + 1), U32(buf + at + 5), U32(buf + at + 9), F64(buf + at + 13))) return;
      at += 21;
    } else if (op == kReset) {
      Drop(s);
    } else {
      break;
    }
  }
  if (at < end) {
    errno = EINVAL;
    Fail(s, "file writer record", "");
  }
}

void* ThreadMain(void* arg) {
  auto* s = static_cast<FileWriterState*>(arg);
  std::unique_lock<std::mutex> lock(s->mutex);
  for (;;) {
    s->handedOver.wait(lock, [s] { return s->slots[s->next].busy || s->stopping; });
    Slot& slot = s->slots[s->next];
    if (!slot.busy) break;
    lock.unlock();
    if (!s->failed) RunSlot(s, slot.data, slot.length);
    lock.lock();
    slot.busy = false;
    s->next = (s->next + 1) % s->slots.size();
    s->handedBack.notify_all();
  }
  Drop(s);
  return nullptr;
}

void Finalize(Napi::Env, FileWriterState* s) {
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    s->stopping = true;
  }
  s->handedOver.notify_all();
  if (s->started) pthread_join(s->thread, nullptr);
  delete s;
}

// Waits, holding `lock` on s->mutex, until the thread has handed every slot back.
void WaitIdle(FileWriterState* s, std::unique_lock<std::mutex>& lock) {
  s->handedBack.wait(lock, [s] {
    for (const Slot& slot : s->slots) {
      if (slot.busy) return false;
    }
    return true;
  });
}

FileWriterState* StateArgument(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "argument 0 must be a file writer from fileWriterCreate").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<FileWriterState>>().Data();
}

bool SlotArgument(const Napi::CallbackInfo& info, FileWriterState* s, size_t* slot) {
  if (info.Length() < 2 || !info[1].IsNumber()) {
    Napi::TypeError::New(info.Env(), "argument 1 must be a slot number").ThrowAsJavaScriptException();
    return false;
  }
  int64_t value = info[1].As<Napi::Number>().Int64Value();
  if (value < 0 || static_cast<size_t>(value) >= s->slots.size()) {
    Napi::RangeError::New(info.Env(), "slot " + std::to_string(value) + " does not exist").ThrowAsJavaScriptException();
    return false;
  }
  *slot = static_cast<size_t>(value);
  return true;
}

}  // namespace

Napi::Value FileWriterCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "fileWriterCreate needs an array of slot Buffers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array buffers = info[0].As<Napi::Array>();
  if (buffers.Length() == 0) {
    Napi::RangeError::New(env, "fileWriterCreate needs at least one slot").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* s = new FileWriterState();
  for (uint32_t i = 0; i < buffers.Length(); i++) {
    Napi::Value value = buffers.Get(i);
    if (!value.IsBuffer()) {
      delete s;
      Napi::TypeError::New(env, "slot " + std::to_string(i) + " is not a Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto buffer = value.As<Napi::Buffer<uint8_t>>();
    Slot slot;
    slot.data = buffer.Data();
    slot.capacity = buffer.Length();
    s->slots.push_back(slot);
  }
  // The slots' memory must outlive the thread: the state holds the Buffers.
  s->buffers = Napi::Persistent(buffers.As<Napi::Object>());
  int err = pthread_create(&s->thread, nullptr, ThreadMain, s);
  if (err != 0) {
    delete s;
    ThrowSysError(env, err, "pthread_create (the file writer thread)");
    return env.Undefined();
  }
  s->started = true;
  return Napi::External<FileWriterState>::New(env, s, Finalize);
}

Napi::Value FileWriterHandover(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWriterState* s = StateArgument(info);
  size_t index;
  if (s == nullptr || !SlotArgument(info, s, &index)) return env.Undefined();
  if (info.Length() < 3 || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "argument 2 must be the slot's length").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t length = info[2].As<Napi::Number>().Int64Value();
  std::lock_guard<std::mutex> lock(s->mutex);
  Slot& slot = s->slots[index];
  if (slot.busy || length <= 0 || static_cast<size_t>(length) > slot.capacity) {
    Napi::RangeError::New(env, "slot " + std::to_string(index) + " cannot take " + std::to_string(length) + " bytes now").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  slot.length = static_cast<size_t>(length);
  slot.busy = true;
  s->handedOver.notify_one();
  return env.Undefined();
}

Napi::Value FileWriterWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWriterState* s = StateArgument(info);
  size_t index;
  if (s == nullptr || !SlotArgument(info, s, &index)) return env.Undefined();
  std::unique_lock<std::mutex> lock(s->mutex);
  s->handedBack.wait(lock, [s, index] { return !s->slots[index].busy; });
  return env.Undefined();
}

Napi::Value FileWriterIdle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWriterState* s = StateArgument(info);
  if (s == nullptr) return env.Undefined();
  std::unique_lock<std::mutex> lock(s->mutex);
  WaitIdle(s, lock);
  return env.Undefined();
}

Napi::Value FileWriterTakeFailure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWriterState* s = StateArgument(info);
  if (s == nullptr) return env.Undefined();
  std::unique_lock<std::mutex> lock(s->mutex);
  WaitIdle(s, lock);
  if (!s->failed) return env.Null();
  Napi::Error error = SysError(env, s->error, s->path.empty() ? s->syscall : s->syscall + " " + s->path);
  error.Set("syscall", Napi::String::New(env, s->syscall));
  if (!s->path.empty()) error.Set("path", Napi::String::New(env, s->path));
  error.Set("fileSequence", Napi::Number::New(env, s->failedSequence));
  s->failed = false;
  s->error = 0;
  Drop(s);
  return error.Value();
}

Napi::Value FileWriterFailed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FileWriterState* s = StateArgument(info);
  if (s == nullptr) return env.Undefined();
  std::lock_guard<std::mutex> lock(s->mutex);
  // Read under the lock the thread takes after each slot: a failure seen here is complete.
  return Napi::Boolean::New(env, s->failed);
}

}  // namespace skerry
