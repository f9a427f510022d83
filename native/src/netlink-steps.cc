// The JavaScript face of the rtnetlink client. A pod's network is set up by a short list of
// steps that touch two namespaces (the node's and the pod's); they run on one short-lived
// thread that enters each namespace as a step needs it and keeps one netlink socket per
// namespace, so the calling process never leaves its own. Steps are parsed on the main
// thread and results turned into JS objects there; the thread only makes system calls.
#include "netlink-steps.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netlink.h"
#include "syserror.h"

namespace skerry {
namespace {

using netlink::Failure;

enum class Op { GetLink, EnsureBridge, CreateVeth, SetLink, DeleteLink, AddAddress, ListAddresses, AddRoute, ListRoutes, Sysctl };

const std::map<std::string, Op> kOps = {
    {"getLink", Op::GetLink},       {"ensureBridge", Op::EnsureBridge},   {"createVeth", Op::CreateVeth},
    {"setLink", Op::SetLink},       {"deleteLink", Op::DeleteLink},       {"addAddress", Op::AddAddress},
    {"listAddresses", Op::ListAddresses}, {"addRoute", Op::AddRoute}, {"listRoutes", Op::ListRoutes},
    {"sysctl", Op::Sysctl}};

struct Step {
  Op op = Op::GetLink;
  std::string netns;  // "" is the calling process's namespace
  std::string name, peerName, peerNetns, master, mac, address, destination, gateway, device, key, value;
  uint32_t mtu = 0;
  int family = 4;
  bool hairpin = false;
  netlink::LinkChange change;
};

struct Result {
  enum class Kind { Nothing, Flag, MaybeLink, Link, Veth, Addresses, Routes } kind = Kind::Nothing;
  bool flag = false;
  std::optional<netlink::Link> link, peer;
  std::vector<netlink::Address> addresses;
  std::vector<netlink::Route> routes;
};

// ---- parsing, on the main thread ----

bool Fail(Napi::Env env, uint32_t index, const std::string& field, const std::string& reason) {
  Napi::TypeError::New(env, "netlink steps[" + std::to_string(index) + "]" + (field.empty() ? "" : "." + field) + ": " + reason).ThrowAsJavaScriptException();
  return false;
}

bool ReadString(Napi::Env env, uint32_t index, Napi::Object object, const char* field, bool required, std::string* into) {
  Napi::Value value = object.Get(field);
  if (value.IsUndefined() && !required) return true;
  if (!value.IsString()) return Fail(env, index, field, required ? "is required and must be a string" : "must be a string");
  *into = value.As<Napi::String>().Utf8Value();
  return true;
}

bool ReadMtu(Napi::Env env, uint32_t index, Napi::Object object, std::optional<uint32_t>* into) {
  Napi::Value value = object.Get("mtu");
  if (value.IsUndefined()) return true;
  double mtu = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : 0;
  if (!(mtu >= 68 && mtu <= 65535) || static_cast<uint32_t>(mtu) != mtu) return Fail(env, index, "mtu", "must be a whole number from 68 to 65535");
  *into = static_cast<uint32_t>(mtu);
  return true;
}

bool ReadBool(Napi::Env env, uint32_t index, Napi::Object object, const char* field, std::optional<bool>* into) {
  Napi::Value value = object.Get(field);
  if (value.IsUndefined()) return true;
  if (!value.IsBoolean()) return Fail(env, index, field, "must be a boolean");
  *into = value.As<Napi::Boolean>().Value();
  return true;
}

// A /proc/sys path below /proc/sys, in the slash form ("net/ipv4/ip_forward").
bool ValidKey(const std::string& key) {
  if (key.empty() || key[0] == '/' || key.find("..") != std::string::npos) return false;
  return key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-") == std::string::npos;
}

bool ParseOpFields(Napi::Env env, uint32_t i, Napi::Object o, Step* step) {
  std::optional<uint32_t> mtu;
  std::optional<bool> hairpin;
  switch (step->op) {
    case Op::GetLink:
    case Op::DeleteLink:
    case Op::ListAddresses:
      return ReadString(env, i, o, "name", true, &step->name);
    case Op::EnsureBridge:
      if (!ReadString(env, i, o, "name", true, &step->name) || !ReadString(env, i, o, "mac", false, &step->mac) || !ReadMtu(env, i, o, &mtu)) return false;
      return step->mtu = mtu.value_or(0), true;
    case Op::CreateVeth:
      if (!ReadString(env, i, o, "name", true, &step->name) || !ReadString(env, i, o, "peerName", true, &step->peerName) ||
          !ReadString(env, i, o, "peerNetns", true, &step->peerNetns) || !ReadString(env, i, o, "master", false, &step->master) ||
          !ReadMtu(env, i, o, &mtu) || !ReadBool(env, i, o, "hairpin", &hairpin))
        return false;
      step->mtu = mtu.value_or(0), step->hairpin = hairpin.value_or(false);
      return true;
    case Op::SetLink: {
      std::string master;
      if (!ReadString(env, i, o, "name", true, &step->name) || !ReadBool(env, i, o, "up", &step->change.up) || !ReadMtu(env, i, o, &step->change.mtu) ||
          !ReadBool(env, i, o, "hairpin", &step->change.hairpin) || !ReadString(env, i, o, "master", false, &master))
        return false;
      if (!o.Get("master").IsUndefined()) step->change.master = master;
      return true;
    }
    case Op::AddAddress:
      return ReadString(env, i, o, "name", true, &step->name) && ReadString(env, i, o, "address", true, &step->address);
    case Op::AddRoute:
      return ReadString(env, i, o, "destination", true, &step->destination) && ReadString(env, i, o, "gateway", false, &step->gateway) &&
             ReadString(env, i, o, "device", false, &step->device);
    case Op::ListRoutes: {
      Napi::Value family = o.Get("family");
      if (family.IsUndefined()) return true;
      int value = family.IsNumber() ? family.As<Napi::Number>().Int32Value() : 0;
      if (value != 4 && value != 6) return Fail(env, i, "family", "must be 4 or 6");
      return step->family = value, true;
    }
    case Op::Sysctl:
      if (!ReadString(env, i, o, "key", true, &step->key) || !ReadString(env, i, o, "value", true, &step->value)) return false;
      if (!ValidKey(step->key)) return Fail(env, i, "key", "must be a path below /proc/sys such as net/ipv4/ip_forward");
      return true;
  }
  return false;
}

bool ParseSteps(Napi::Env env, Napi::Array list, std::vector<Step>* steps) {
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) return Fail(env, i, "", "must be an object");
    Napi::Object object = item.As<Napi::Object>();
    Step step;
    std::string op;
    if (!ReadString(env, i, object, "op", true, &op)) return false;
    auto found = kOps.find(op);
    if (found == kOps.end()) return Fail(env, i, "op", "\"" + op + "\" is not one of getLink, ensureBridge, createVeth, setLink, deleteLink, addAddress, listAddresses, addRoute, listRoutes, sysctl");
    step.op = found->second;
    if (!ReadString(env, i, object, "netns", false, &step.netns) || !ParseOpFields(env, i, object, &step)) return false;
    steps->push_back(std::move(step));
  }
  return true;
}

// ---- running, on the worker thread ----

// The namespaces a batch touches: an fd for each (to enter it, or to make a veth's peer
// in it) and a netlink socket made inside each.
class Places {
 public:
  ~Places() {
    for (auto& [path, conn] : conns_) netlink::Close(&conn);
    for (auto& [path, fd] : fds_) close(fd);
  }

  static std::string Label(const std::string& path) { return path.empty() ? "this process's netns" : path; }

  // Before anything else: the thread's own namespace (the process's), to come back to.
  bool Init(Failure* failure) {
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) return failure->Set(errno, "open /proc/thread-self/ns/net");
    fds_[""] = self;
    return true;
  }

  bool NsFd(const std::string& path, int* fd, Failure* failure) {
    auto found = fds_.find(path);
    if (found != fds_.end()) return *fd = found->second, true;
    int opened = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (opened < 0) return failure->Set(errno, "open " + Label(path));
    fds_[path] = opened;
    *fd = opened;
    return true;
  }

  // Moves this thread into the namespace at `path`.
  bool Enter(const std::string& path, Failure* failure) {
    if (entered_ == path) return true;
    int fd;
    if (!NsFd(path, &fd, failure)) return false;
    if (setns(fd, CLONE_NEWNET) != 0) return failure->Set(errno, "setns CLONE_NEWNET " + Label(path));
    entered_ = path;
    return true;
  }

  netlink::Conn* Conn(const std::string& path, Failure* failure) {
    auto found = conns_.find(path);
    if (found != conns_.end()) return &found->second;
    if (!Enter(path, failure)) return nullptr;
    netlink::Conn conn;
    conn.where = " in " + Label(path);
    if (!netlink::Open(&conn, failure)) return nullptr;
    return &(conns_[path] = std::move(conn));
  }

 private:
  std::map<std::string, int> fds_;
  std::map<std::string, netlink::Conn> conns_;
  std::string entered_;  // "" until the first Enter elsewhere
};

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) text.pop_back();
  return text;
}

// Writes a /proc/sys value as seen from the namespace (net/* keys are per namespace, looked
// up by the calling thread's); leaves it alone when it already has that value.
bool Sysctl(Places& places, const Step& step, bool* changed, Failure* failure) {
  if (!places.Enter(step.netns, failure)) return false;
  const std::string file = "/proc/sys/" + step.key;
  const std::string where = " in " + Places::Label(step.netns);
  int fd = open(file.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return failure->Set(errno, "open " + file + where);
  char current[256];
  ssize_t n = read(fd, current, sizeof current - 1);
  if (n < 0) return close(fd), failure->Set(errno, "read " + file + where);
  *changed = Trim(std::string(current, static_cast<size_t>(n))) != Trim(step.value);
  // At offset 0: with kernel.sysctl_writes_strict a write after the read is ignored.
  if (*changed && pwrite(fd, step.value.c_str(), step.value.size(), 0) < 0) return close(fd), failure->Set(errno, "write " + step.value + " to " + file + where);
  close(fd);
  return true;
}

bool CreateVeth(Places& places, const Step& step, Result* result, Failure* failure) {
  netlink::VethSpec spec;
  spec.name = step.name, spec.peerName = step.peerName, spec.mtu = step.mtu, spec.master = step.master, spec.hairpin = step.hairpin;
  spec.peerNsLabel = Places::Label(step.peerNetns);
  netlink::Conn* host = places.Conn(step.netns, failure);
  if (!host || !places.NsFd(step.peerNetns, &spec.peerNsFd, failure)) return false;
  netlink::Link link;
  if (!netlink::CreateVeth(*host, spec, &link, failure)) return false;
  netlink::Conn* pod = places.Conn(step.peerNetns, failure);
  netlink::LinkChange up;
  up.up = true;
  std::optional<netlink::Link> peer;
  if (!pod || !netlink::SetLink(*pod, step.peerName, up, failure) || !netlink::GetLink(*pod, step.peerName, &peer, failure)) return false;
  if (!peer) return failure->Set(ENODEV, "find the peer " + step.peerName + " of veth " + step.name + pod->where);
  result->kind = Result::Kind::Veth, result->link = link, result->peer = peer;
  return true;
}

bool RunStep(Places& places, const Step& step, Result* result, Failure* failure) {
  if (step.op == Op::Sysctl) return result->kind = Result::Kind::Flag, Sysctl(places, step, &result->flag, failure);
  if (step.op == Op::CreateVeth) return CreateVeth(places, step, result, failure);
  netlink::Conn* conn = places.Conn(step.netns, failure);
  if (!conn) return false;
  switch (step.op) {
    case Op::GetLink:
      result->kind = Result::Kind::MaybeLink;
      return netlink::GetLink(*conn, step.name, &result->link, failure);
    case Op::EnsureBridge: {
      netlink::Link bridge;
      result->kind = Result::Kind::Link;
      if (!netlink::EnsureBridge(*conn, step.name, step.mtu, step.mac, &bridge, failure)) return false;
      return result->link = bridge, true;
    }
    case Op::SetLink:
      return netlink::SetLink(*conn, step.name, step.change, failure);
    case Op::DeleteLink:
      result->kind = Result::Kind::Flag;
      return netlink::DeleteLink(*conn, step.name, &result->flag, failure);
    case Op::AddAddress:
      return netlink::ReplaceAddress(*conn, step.name, step.address, failure);
    case Op::ListAddresses:
      result->kind = Result::Kind::Addresses;
      return netlink::ListAddresses(*conn, step.name, &result->addresses, failure);
    case Op::AddRoute:
      return netlink::ReplaceRoute(*conn, {step.destination, step.gateway, step.device}, failure);
    case Op::ListRoutes:
      result->kind = Result::Kind::Routes;
      return netlink::ListRoutes(*conn, step.family, &result->routes, failure);
    default:
      return failure->Set(EINVAL, "run an unknown netlink step");
  }
}

struct Job {
  std::vector<Step> steps;
  std::vector<Result> results;
  Failure failure;
  int failedStep = -1;
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction done;
  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

// ---- results, back on the main thread ----

Napi::Object LinkObject(Napi::Env env, const netlink::Link& link) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", link.index);
  o.Set("name", link.name);
  o.Set("kind", link.kind);
  o.Set("mac", link.mac);
  o.Set("mtu", link.mtu);
  o.Set("up", link.up);
  o.Set("master", link.master);
  o.Set("peer", link.peer);
  return o;
}

Napi::Value ResultValue(Napi::Env env, const Result& result) {
  switch (result.kind) {
    case Result::Kind::Nothing: return env.Undefined();
    case Result::Kind::Flag: return Napi::Boolean::New(env, result.flag);
    case Result::Kind::MaybeLink:
    case Result::Kind::Link: return result.link ? Napi::Value(LinkObject(env, *result.link)) : env.Null();
    case Result::Kind::Veth: {
      Napi::Object pair = Napi::Object::New(env);
      pair.Set("host", LinkObject(env, *result.link));
      pair.Set("peer", LinkObject(env, *result.peer));
      return pair;
    }
    case Result::Kind::Addresses: {
      Napi::Array list = Napi::Array::New(env, result.addresses.size());
      for (uint32_t i = 0; i < result.addresses.size(); i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("family", result.addresses[i].family);
        o.Set("address", result.addresses[i].address);
        o.Set("prefixLength", result.addresses[i].prefixLength);
        list.Set(i, o);
      }
      return list;
    }
    case Result::Kind::Routes: {
      Napi::Array list = Napi::Array::New(env, result.routes.size());
      for (uint32_t i = 0; i < result.routes.size(); i++) {
        const netlink::Route& r = result.routes[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("family", r.family);
        o.Set("destination", r.destination);
        o.Set("prefixLength", r.prefixLength);
        if (!r.gateway.empty()) o.Set("gateway", r.gateway);
        o.Set("device", r.device);
        o.Set("scope", r.scope);
        list.Set(i, o);
      }
      return list;
    }
  }
  return env.Undefined();
}

void Settle(Napi::Env env, Napi::Function, Job* job) {
  if (job->failedStep >= 0) {
    Napi::Error error = SysError(env, job->failure.err, job->failure.what);
    error.Set("step", Napi::Number::New(env, job->failedStep));
    job->deferred.Reject(error.Value());
  } else {
    Napi::Array results = Napi::Array::New(env, job->results.size());
    for (uint32_t i = 0; i < job->results.size(); i++) results.Set(i, ResultValue(env, job->results[i]));
    job->deferred.Resolve(results);
  }
  delete job;
}

void* RunThread(void* arg) {
  auto* job = static_cast<Job*>(arg);
  {
    Places places;  // closed before the promise settles, so callers see no stray fds
    job->results.resize(job->steps.size());
    if (!places.Init(&job->failure)) job->failedStep = 0;
    for (size_t i = 0; job->failedStep < 0 && i < job->steps.size(); i++) {
      if (!RunStep(places, job->steps[i], &job->results[i], &job->failure)) {
        job->failedStep = static_cast<int>(i);
        break;
      }
    }
  }
  Napi::ThreadSafeFunction done = job->done;
  done.BlockingCall(job, Settle);
  done.Release();
  return nullptr;
}

}  // namespace

Napi::Value NetlinkRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "netlinkRun: needs (steps: object[])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* job = new Job(env);
  if (!ParseSteps(env, info[0].As<Napi::Array>(), &job->steps)) {
    delete job;
    return env.Undefined();
  }
  Napi::Promise promise = job->deferred.Promise();
  job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "netlinkRun", 0, 1);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, RunThread, job);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    job->done.Release();
    job->deferred.Reject(SysError(env, rc, "pthread_create for netlink steps").Value());
    delete job;
  }
  return promise;
}

}  // namespace skerry
