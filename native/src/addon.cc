// The addon's public face: one registration per native function.
#include <napi.h>
#include <sched.h>
#include <sys/mount.h>

#include "digest.h"
#include "digest-feed.h"
#include "file-writer.h"
#include "fsops.h"
#include "malloc-tuning.h"
#include "netlink-steps.h"
#include "netns.h"
#include "probe.h"
#include "quota.h"
#include "spawn.h"

namespace {

Napi::Object Constants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  for (auto [name, value] : {std::pair{"CLONE_NEWNS", CLONE_NEWNS}, {"CLONE_NEWUTS", CLONE_NEWUTS},
                             {"CLONE_NEWIPC", CLONE_NEWIPC}, {"CLONE_NEWUSER", CLONE_NEWUSER},
                             {"CLONE_NEWPID", CLONE_NEWPID}, {"CLONE_NEWNET", CLONE_NEWNET},
                             {"CLONE_NEWCGROUP", CLONE_NEWCGROUP}, {"MS_RDONLY", MS_RDONLY},
                             {"MS_BIND", MS_BIND}, {"MS_REC", MS_REC}, {"MS_PRIVATE", MS_PRIVATE}}) {
    constants.Set(name, Napi::Number::New(env, static_cast<double>(value)));
  }
  return constants;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("runChildSteps", Napi::Function::New(env, skerry::RunChildStepsJs));
  exports.Set("runChildStepsAsync", Napi::Function::New(env, skerry::RunChildStepsAsyncJs));
  exports.Set("probePidfd", Napi::Function::New(env, skerry::ProbePidfd));
  exports.Set("getRlimits", Napi::Function::New(env, skerry::GetRlimits));
  exports.Set("becomeChildSubreaper", Napi::Function::New(env, skerry::BecomeChildSubreaper));
  exports.Set("spawnShim", Napi::Function::New(env, skerry::SpawnShim));
  exports.Set("socketPair", Napi::Function::New(env, skerry::SocketPair));
  exports.Set("reap", Napi::Function::New(env, skerry::Reap));
  exports.Set("sysError", Napi::Function::New(env, skerry::SysErrorJs));
  exports.Set("setXattr", Napi::Function::New(env, skerry::SetXattr));
  exports.Set("getXattr", Napi::Function::New(env, skerry::GetXattr));
  exports.Set("mknod", Napi::Function::New(env, skerry::Mknod));
  exports.Set("mountOverlay", Napi::Function::New(env, skerry::MountOverlay));
  exports.Set("unmount", Napi::Function::New(env, skerry::Unmount));
  exports.Set("connectInNetns", Napi::Function::New(env, skerry::ConnectInNetns));
  exports.Set("netlinkRun", Napi::Function::New(env, skerry::NetlinkRun));
  exports.Set("getProjectAttr", Napi::Function::New(env, skerry::GetProjectAttr));
  exports.Set("setProjectAttr", Napi::Function::New(env, skerry::SetProjectAttr));
  exports.Set("projectQuotaState", Napi::Function::New(env, skerry::ProjectQuotaState));
  exports.Set("getProjectQuota", Napi::Function::New(env, skerry::GetProjectQuota));
  exports.Set("setProjectQuota", Napi::Function::New(env, skerry::SetProjectQuota));
  exports.Set("digestCreate", Napi::Function::New(env, skerry::DigestCreate));
  exports.Set("digestAppend", Napi::Function::New(env, skerry::DigestAppend));
  exports.Set("digestFile", Napi::Function::New(env, skerry::DigestFile));
  exports.Set("digestHex", Napi::Function::New(env, skerry::DigestHex));
  exports.Set("digestFeedCreate", Napi::Function::New(env, skerry::DigestFeedCreate));
  exports.Set("digestFeedPush", Napi::Function::New(env, skerry::DigestFeedPush));
  exports.Set("digestFeedWait", Napi::Function::New(env, skerry::DigestFeedWait));
  exports.Set("digestFeedFinish", Napi::Function::New(env, skerry::DigestFeedFinish));
  exports.Set("digestFeedStop", Napi::Function::New(env, skerry::DigestFeedStop));
  exports.Set("fileWriterCreate", Napi::Function::New(env, skerry::FileWriterCreate));
  exports.Set("fileWriterHandover", Napi::Function::New(env, skerry::FileWriterHandover));
  exports.Set("fileWriterWait", Napi::Function::New(env, skerry::FileWriterWait));
  exports.Set("fileWriterIdle", Napi::Function::New(env, skerry::FileWriterIdle));
  exports.Set("fileWriterFailed", Napi::Function::New(env, skerry::FileWriterFailed));
  exports.Set("fileWriterTakeFailure", Napi::Function::New(env, skerry::FileWriterTakeFailure));
  exports.Set("setMallocMmapThreshold", Napi::Function::New(env, skerry::SetMallocMmapThreshold));
  exports.Set("constants", Constants(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(skerry, Init)
