// Filesystem calls Node lacks, for image layers and container root filesystems: extended
// attributes (overlay's opaque marker), device nodes (overlay whiteouts), overlay mounts
// through the new mount API (one lowerdir+ per layer, no page-size limit on the options),
// and unmount. Each failure throws "<call> <path>: <ERRNO> (<text>)".
#include "fsops.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "syserror.h"

namespace skerry {

namespace {

bool CheckArgs(const Napi::CallbackInfo& info, size_t count, const char* usage) {
  if (info.Length() < count) {
    Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

int Fsconfig(int fs, unsigned cmd, const char* key, const char* value) {
  return static_cast<int>(syscall(SYS_fsconfig, fs, cmd, key, value, 0));
}

}  // namespace

// setXattr(path, name, value: Buffer): lsetxattr, never following a final symlink.
Napi::Value SetXattr(const Napi::CallbackInfo& info) {
  if (!CheckArgs(info, 3, "setXattr(path, name, value)")) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  Napi::Buffer<char> value = info[2].As<Napi::Buffer<char>>();
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), 0) != 0)
    ThrowSysError(info.Env(), errno, "lsetxattr " + path + " " + name);
  return info.Env().Undefined();
}

// getXattr(path, name): Buffer, or null when the attribute is absent.
Napi::Value GetXattr(const Napi::CallbackInfo& info) {
  if (!CheckArgs(info, 2, "getXattr(path, name)")) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  char buf[4096];
  ssize_t n = lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  if (n < 0 && errno == ENODATA) return info.Env().Null();
  if (n < 0) {
    ThrowSysError(info.Env(), errno, "lgetxattr " + path + " " + name);
    return info.Env().Undefined();
  }
  return Napi::Buffer<char>::Copy(info.Env(), buf, static_cast<size_t>(n));
}

// mknod(path, mode, major, minor): mode includes the file type (S_IFCHR, S_IFBLK, S_IFIFO).
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  if (!CheckArgs(info, 4, "mknod(path, mode, major, minor)")) return info.Env().Undefined();
  std::string path = info[0].As<Napi::String>();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  dev_t dev = makedev(info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value());
  if (mknod(path.c_str(), mode, dev) != 0) ThrowSysError(info.Env(), errno, "mknod " + path);
  return info.Env().Undefined();
}

// mountOverlay(target, lowers: string[] (top first), upper?: string, work?: string).
// Without upper and work the mount is read-only (an image's plain view).
Napi::Value MountOverlay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 2, "mountOverlay(target, lowers, upper?, work?)")) return env.Undefined();
  std::string target = info[0].As<Napi::String>();
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> lowers;
  for (uint32_t i = 0; i < list.Length(); i++) lowers.push_back(list.Get(i).As<Napi::String>());
  bool writable = info.Length() >= 4 && info[2].IsString() && info[3].IsString();
  std::string upper = writable ? std::string(info[2].As<Napi::String>()) : "";
  std::string work = writable ? std::string(info[3].As<Napi::String>()) : "";

  int fs = static_cast<int>(syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC));
  if (fs < 0) {
    ThrowSysError(env, errno, "fsopen overlay for " + target);
    return env.Undefined();
  }
  auto fail = [&](const std::string& what) {
    int err = errno;
    close(fs);
    ThrowSysError(env, err, what);
    return env.Undefined();
  };
  // lowerdir+ (Linux 6.8+) takes one layer per call; older kernels take the joined list.
  bool added = true;
  for (const std::string& lower : lowers) {
    if (Fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lower.c_str()) == 0) continue;
    if (errno != EINVAL || &lower != &lowers.front()) return fail("fsconfig lowerdir+ " + lower + " for " + target);
    added = false;
    break;
  }
  if (!added) {
    std::string joined;
    for (const std::string& lower : lowers) joined += (joined.empty() ? "" : ":") + lower;
    if (Fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", joined.c_str()) != 0) return fail("fsconfig lowerdir for " + target);
  }
  if (writable && Fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper.c_str()) != 0) return fail("fsconfig upperdir " + upper);
  if (writable && Fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work.c_str()) != 0) return fail("fsconfig workdir " + work);
  if (Fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr) != 0) return fail("create the overlay for " + target);
  int mnt = static_cast<int>(syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, writable ? 0 : MOUNT_ATTR_RDONLY));
  if (mnt < 0) return fail("fsmount overlay for " + target);
  close(fs);
  if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0) {
    int err = errno;
    close(mnt);
    ThrowSysError(env, err, "move_mount overlay onto " + target);
    return env.Undefined();
  }
  close(mnt);
  return env.Undefined();
}

// unmount(target, detach?: boolean): umount2, lazily with MNT_DETACH when asked.
Napi::Value Unmount(const Napi::CallbackInfo& info) {
  if (!CheckArgs(info, 1, "unmount(target, detach?)")) return info.Env().Undefined();
  std::string target = info[0].As<Napi::String>();
  bool detach = info.Length() > 1 && info[1].ToBoolean();
  if (umount2(target.c_str(), (detach ? MNT_DETACH : 0) | UMOUNT_NOFOLLOW) != 0) ThrowSysError(info.Env(), errno, "umount " + target);
  return info.Env().Undefined();
}

}  // namespace skerry
