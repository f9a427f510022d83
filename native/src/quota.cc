// Project quotas, for local volumes that are plain directories (docs/adr/012-local-volumes.md):
// a directory's project ID and PROJINHERIT flag (FS_IOC_FSGETXATTR / FS_IOC_FSSETXATTR), and a
// project's block limit and usage through quotactl_fd(2) (Linux 5.14+; glibc 2.36 has no
// wrapper). quotactl_fd takes any open file of the filesystem, so callers pass a path on it.
// Each failure throws "<call> <path>: <ERRNO> (<text>)".
#include "quota.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "syserror.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443  // x86_64 and the generic table alike
#endif

namespace skerry {

namespace {

// Quota limits are counted in 1 KiB blocks (QIF_DQBLKSIZE); usage in bytes.
constexpr double kQuotaBlock = 1024;

bool CheckArgs(const Napi::CallbackInfo& info, size_t count, const char* usage) {
  if (info.Length() < count || !info[0].IsString()) {
    Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// A project ID from JS: a whole number in 0..2^32-1, or a TypeError.
bool ReadProjectId(const Napi::CallbackInfo& info, size_t index, uint32_t* id) {
  double value = info[index].IsNumber() ? info[index].As<Napi::Number>().DoubleValue() : -1;
  if (!(value >= 0 && value <= 4294967295.0) || value != static_cast<double>(static_cast<uint32_t>(value))) {
    Napi::TypeError::New(info.Env(), "projectId: must be a whole number from 0 to 4294967295").ThrowAsJavaScriptException();
    return false;
  }
  *id = static_cast<uint32_t>(value);
  return true;
}

// Opens `path` read-only, never through a final symlink; -1 with errno set on failure.
int OpenForQuota(const std::string& path, bool directory) {
  return open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | (directory ? O_DIRECTORY : 0));
}

long QuotactlFd(int fd, int cmd, uint32_t id, void* addr) {
  return syscall(SYS_quotactl_fd, fd, QCMD(cmd, PRJQUOTA), id, addr);
}

// Runs one quotactl_fd command on the filesystem holding `path`; errno is kept on failure.
bool QuotactlAt(const std::string& path, int cmd, uint32_t id, void* addr) {
  int fd = OpenForQuota(path, false);
  if (fd < 0) return false;
  long rc = QuotactlFd(fd, cmd, id, addr);
  int err = errno;
  close(fd);
  errno = err;
  return rc == 0;
}

}  // namespace

// getProjectAttr(dir) → {projectId, inherit}: the directory's project ID and PROJINHERIT flag.
Napi::Value GetProjectAttr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 1, "getProjectAttr(dir)")) return env.Undefined();
  std::string path = info[0].As<Napi::String>();
  int fd = OpenForQuota(path, true);
  if (fd < 0) {
    ThrowSysError(env, errno, "open " + path);
    return env.Undefined();
  }
  struct fsxattr attr;
  memset(&attr, 0, sizeof attr);
  int rc = ioctl(fd, FS_IOC_FSGETXATTR, &attr);
  int err = errno;
  close(fd);
  if (rc != 0) {
    ThrowSysError(env, err, "FS_IOC_FSGETXATTR " + path);
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("projectId", Napi::Number::New(env, attr.fsx_projid));
  result.Set("inherit", Napi::Boolean::New(env, (attr.fsx_xflags & FS_XFLAG_PROJINHERIT) != 0));
  return result;
}

// setProjectAttr(dir, projectId): gives the directory the project ID and PROJINHERIT, so that
// everything made inside it afterwards belongs to the project. Other flags are kept.
Napi::Value SetProjectAttr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  if (!CheckArgs(info, 2, "setProjectAttr(dir, projectId)") || !ReadProjectId(info, 1, &id)) return env.Undefined();
  std::string path = info[0].As<Napi::String>();
  int fd = OpenForQuota(path, true);
  if (fd < 0) {
    ThrowSysError(env, errno, "open " + path);
    return env.Undefined();
  }
  struct fsxattr attr;
  memset(&attr, 0, sizeof attr);
  const char* step = "FS_IOC_FSGETXATTR ";
  int rc = ioctl(fd, FS_IOC_FSGETXATTR, &attr);
  if (rc == 0) {
    attr.fsx_projid = id;
    attr.fsx_xflags |= FS_XFLAG_PROJINHERIT;
    step = "FS_IOC_FSSETXATTR ";
    rc = ioctl(fd, FS_IOC_FSSETXATTR, &attr);
  }
  int err = errno;
  close(fd);
  if (rc != 0) ThrowSysError(env, err, step + path + " project " + std::to_string(id));
  return env.Undefined();
}

// projectQuotaState(path) → {accounting, enforced} for project quotas on the filesystem that
// holds `path` (Q_XGETQSTATV: ext4 and XFS both answer it). Q_GETINFO is not enough: ext4
// with the quota feature answers it while mounted without prjquota, i.e. not enforcing.
Napi::Value ProjectQuotaState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!CheckArgs(info, 1, "projectQuotaState(path)")) return env.Undefined();
  std::string path = info[0].As<Napi::String>();
  struct fs_quota_statv state;
  memset(&state, 0, sizeof state);
  state.qs_version = FS_QSTATV_VERSION1;
  if (!QuotactlAt(path, Q_XGETQSTATV, 0, &state)) {
    ThrowSysError(env, errno, "quotactl_fd Q_XGETQSTATV PRJQUOTA " + path);
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("accounting", Napi::Boolean::New(env, (state.qs_flags & FS_QUOTA_PDQ_ACCT) != 0));
  result.Set("enforced", Napi::Boolean::New(env, (state.qs_flags & FS_QUOTA_PDQ_ENFD) != 0));
  return result;
}

// getProjectQuota(path, projectId) → {hardLimitBytes, usedBytes, usedInodes}, or null when the
// filesystem keeps nothing for the project (XFS says ENOENT; ext4 answers with zeros).
// hardLimitBytes 0 means no limit.
Napi::Value GetProjectQuota(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  if (!CheckArgs(info, 2, "getProjectQuota(path, projectId)") || !ReadProjectId(info, 1, &id)) return env.Undefined();
  std::string path = info[0].As<Napi::String>();
  struct if_dqblk quota;
  memset(&quota, 0, sizeof quota);
  if (!QuotactlAt(path, Q_GETQUOTA, id, &quota)) {
    if (errno == ENOENT) return env.Null();
    ThrowSysError(env, errno, "quotactl_fd Q_GETQUOTA PRJQUOTA " + path + " project " + std::to_string(id));
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("hardLimitBytes", Napi::Number::New(env, static_cast<double>(quota.dqb_bhardlimit) * kQuotaBlock));
  result.Set("usedBytes", Napi::Number::New(env, static_cast<double>(quota.dqb_curspace)));
  result.Set("usedInodes", Napi::Number::New(env, static_cast<double>(quota.dqb_curinodes)));
  return result;
}

// setProjectQuota(path, projectId, hardLimitBytes): the project's hard block limit (rounded up
// to whole KiB; 0 removes the limit), no soft limit; inode limits are left as they are.
// Needs CAP_SYS_ADMIN, not CAP_SYS_RESOURCE, and works while the project's files are in use.
Napi::Value SetProjectQuota(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = 0;
  if (!CheckArgs(info, 3, "setProjectQuota(path, projectId, hardLimitBytes)") || !ReadProjectId(info, 1, &id)) return env.Undefined();
  double bytes = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1;
  if (!(bytes >= 0 && bytes <= 9007199254740991.0)) {
    Napi::TypeError::New(env, "hardLimitBytes: must be a whole number of bytes, 0 or more").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>();
  struct if_dqblk quota;
  memset(&quota, 0, sizeof quota);
  quota.dqb_bhardlimit = static_cast<uint64_t>((bytes + kQuotaBlock - 1) / kQuotaBlock);
  quota.dqb_bsoftlimit = 0;
  quota.dqb_valid = QIF_BLIMITS;
  if (!QuotactlAt(path, Q_SETQUOTA, id, &quota)) {
    ThrowSysError(env, errno, "quotactl_fd Q_SETQUOTA PRJQUOTA " + path + " project " + std::to_string(id));
  }
  return env.Undefined();
}

}  // namespace skerry
