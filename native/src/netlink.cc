// rtnetlink requests for the pod network, one socket per namespace. Requests ask for an
// ACK and the socket for extended ACKs, so a refusal comes back with the kernel's own
// reason ("Unknown device type") next to errno.
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

namespace skerry::netlink {
namespace {

constexpr size_t kMessageSize = 1024;
constexpr size_t kReceiveSize = 65536;

// One request: nlmsghdr, the family's fixed header, then attributes (nests included).
class Message {
 public:
  // `flags` are NLM_F_CREATE and friends; a dump is asked for with kDump, not NLM_F_DUMP,
  // whose bits mean NLM_F_EXCL (and NLM_F_REPLACE) in a request that makes something.
  Message(uint16_t type, uint16_t flags) {
    memset(buf_, 0, sizeof buf_);
    dump_ = flags == kDump;
    if (dump_) flags = NLM_F_DUMP;
    Header()->nlmsg_type = type;
    Header()->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
    len_ = NLMSG_HDRLEN;
  }

  nlmsghdr* Header() { return reinterpret_cast<nlmsghdr*>(buf_); }

  // A fixed struct at the current end: the family header, or a veth peer's ifinfomsg.
  template <class T>
  T* Append() {
    if (len_ + NLMSG_ALIGN(sizeof(T)) > sizeof buf_) return overflow_ = true, reinterpret_cast<T*>(scratch_);
    T* at = reinterpret_cast<T*>(buf_ + len_);
    len_ += NLMSG_ALIGN(sizeof(T));
    return at;
  }

  void Put(uint16_t type, const void* data, size_t size) {
    size_t length = RTA_LENGTH(size);
    if (len_ + RTA_ALIGN(length) > sizeof buf_) return void(overflow_ = true);
    auto* attr = reinterpret_cast<rtattr*>(buf_ + len_);
    attr->rta_type = type;
    attr->rta_len = static_cast<uint16_t>(length);
    if (size > 0) memcpy(RTA_DATA(attr), data, size);
    len_ += RTA_ALIGN(length);
  }
  void PutU32(uint16_t type, uint32_t value) { Put(type, &value, sizeof value); }
  void PutU8(uint16_t type, uint8_t value) { Put(type, &value, sizeof value); }
  void PutString(uint16_t type, const std::string& value) { Put(type, value.c_str(), value.size() + 1); }

  // Nested attributes: Nest() opens, End() closes with the length of what came between.
  size_t Nest(uint16_t type) {
    size_t at = len_;
    Put(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
    return at;
  }
  void End(size_t at) {
    if (!overflow_) reinterpret_cast<rtattr*>(buf_ + at)->rta_len = static_cast<uint16_t>(len_ - at);
  }

  bool Seal(uint32_t seq) {
    Header()->nlmsg_len = static_cast<uint32_t>(len_);
    Header()->nlmsg_seq = seq;
    return !overflow_;
  }
  size_t Length() const { return len_; }
  bool IsDump() const { return dump_; }
  static constexpr uint16_t kDump = 0xffff;

 private:
  alignas(nlmsghdr) char buf_[kMessageSize];
  alignas(nlmsghdr) char scratch_[64];
  size_t len_ = 0;
  bool overflow_ = false;
  bool dump_ = false;
};

using OnAttr = std::function<void(uint16_t type, const void* data, size_t size)>;

void ForEachAttr(const void* start, size_t length, const OnAttr& each) {
  auto* attr = static_cast<const rtattr*>(start);
  auto left = static_cast<int>(length);
  for (; RTA_OK(attr, left); attr = RTA_NEXT(attr, left)) {
    each(static_cast<uint16_t>(attr->rta_type & NLA_TYPE_MASK), RTA_DATA(attr), RTA_PAYLOAD(attr));
  }
}

// Attributes after a message's fixed header of type T.
template <class T>
void ForEachAttrOf(const nlmsghdr* h, const OnAttr& each) {
  size_t fixed = NLMSG_LENGTH(sizeof(T));
  if (h->nlmsg_len < fixed) return;
  ForEachAttr(reinterpret_cast<const char*>(h) + NLMSG_ALIGN(fixed), h->nlmsg_len - NLMSG_ALIGN(fixed), each);
}

std::string AttrString(const void* data, size_t size) {
  return std::string(static_cast<const char*>(data), strnlen(static_cast<const char*>(data), size));
}

uint32_t AttrU32(const void* data, size_t size) {
  uint32_t value = 0;
  if (size >= sizeof value) memcpy(&value, data, sizeof value);
  return value;
}

std::string FormatMac(const void* data, size_t size) {
  static const char* hex = "0123456789abcdef";
  std::string text;
  auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; i++) {
    if (i > 0) text += ':';
    text += hex[bytes[i] >> 4];
    text += hex[bytes[i] & 15];
  }
  return text;
}

bool ParseMac(const std::string& text, unsigned char* bytes) {
  unsigned values[6];
  char end;
  if (sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &values[0], &values[1], &values[2], &values[3], &values[4], &values[5], &end) != 6) return false;
  for (int i = 0; i < 6; i++) bytes[i] = static_cast<unsigned char>(values[i]);
  return true;
}

int AddressFamily(int family) { return family == AF_INET6 ? 6 : 4; }

std::string FormatIp(int family, const void* data) {
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop(family, data, text, sizeof text);
  return text;
}

struct Ip {
  int family = AF_INET;
  unsigned char bytes[16] = {};
  int prefix = -1;
  size_t Size() const { return family == AF_INET ? 4 : 16; }
};

bool ParseIp(const std::string& text, Ip* ip) {
  if (inet_pton(AF_INET, text.c_str(), ip->bytes) == 1) return ip->family = AF_INET, true;
  if (inet_pton(AF_INET6, text.c_str(), ip->bytes) == 1) return ip->family = AF_INET6, true;
  return false;
}

bool ParseCidr(const std::string& text, Ip* ip) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || !ParseIp(text.substr(0, slash), ip)) return false;
  std::string digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  ip->prefix = std::stoi(digits);
  return ip->prefix <= static_cast<int>(ip->Size() * 8);
}

// The kernel's reason from an extended ACK, as " (kernel: …)", or "".
std::string AckReason(const nlmsghdr* h) {
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
  size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if (!(h->nlmsg_flags & NLM_F_CAPPED)) offset += NLMSG_ALIGN(error->msg.nlmsg_len) - NLMSG_HDRLEN;
  if (offset >= h->nlmsg_len) return "";
  std::string reason;
  ForEachAttr(reinterpret_cast<const char*>(h) + offset, h->nlmsg_len - offset, [&](uint16_t type, const void* data, size_t size) {
    if (type == NLMSGERR_ATTR_MSG) reason = AttrString(data, size);
  });
  return reason.empty() ? "" : " (kernel: " + reason + ")";
}

using OnReply = std::function<void(const nlmsghdr*)>;

// Sends one request and reads until its ACK (or, for a dump, NLMSG_DONE), handing every
// other reply to `onReply`. On a refusal, `failure` has the kernel's errno and `what`.
bool Transact(Conn& conn, Message& message, const std::string& what, const OnReply& onReply, Failure* failure) {
  const std::string doing = what + conn.where;
  uint32_t seq = ++conn.seq;
  if (!message.Seal(seq)) return failure->Set(EMSGSIZE, "build the request to " + doing);
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t sent = sendto(conn.fd, message.Header(), message.Length(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (sent >= 0) break;
    if (errno != EINTR) return failure->Set(errno, "send the request to " + doing);
  }
  bool dump = message.IsDump();
  for (;;) {
    iovec iov = {conn.buffer.data(), conn.buffer.size()};
    msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = recvmsg(conn.fd, &msg, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure->Set(errno, "read the answer to " + doing);
    if (msg.msg_flags & MSG_TRUNC) return failure->Set(EMSGSIZE, "read the answer to " + doing);
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<const nlmsghdr*>(conn.buffer.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        if (error->error == 0) {
          if (!dump) return true;
          continue;
        }
        return failure->Set(-error->error, doing + AckReason(h));
      }
      if (h->nlmsg_type == NLMSG_DONE) {
        int status = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof status)) memcpy(&status, NLMSG_DATA(h), sizeof status);
        if (status < 0) return failure->Set(-status, doing);
        return true;
      }
      onReply(h);
    }
  }
}

Link ParseLink(const nlmsghdr* h) {
  auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
  Link link;
  link.index = info->ifi_index;
  link.up = info->ifi_flags & IFF_UP;
  ForEachAttrOf<ifinfomsg>(h, [&](uint16_t type, const void* data, size_t size) {
    if (type == IFLA_IFNAME) link.name = AttrString(data, size);
    else if (type == IFLA_MTU) link.mtu = AttrU32(data, size);
    else if (type == IFLA_ADDRESS) link.mac = FormatMac(data, size);
    else if (type == IFLA_MASTER) link.master = static_cast<int>(AttrU32(data, size));
    else if (type == IFLA_LINK) link.peer = static_cast<int>(AttrU32(data, size));
    else if (type == IFLA_LINKINFO) {
      ForEachAttr(data, size, [&](uint16_t inner, const void* value, size_t length) {
        if (inner == IFLA_INFO_KIND) link.kind = AttrString(value, length);
      });
    }
  });
  return link;
}

// The ifindex of `name`, failing with ENODEV when there is no such link.
bool IndexOf(Conn& conn, const std::string& name, int* index, Failure* failure) {
  std::optional<Link> link;
  if (!GetLink(conn, name, &link, failure)) return false;
  if (!link) return failure->Set(ENODEV, "find link " + name + conn.where);
  *index = link->index;
  return true;
}

ifinfomsg* LinkHeader(Message& message, int family = AF_UNSPEC) {
  auto* info = message.Append<ifinfomsg>();
  info->ifi_family = static_cast<unsigned char>(family);
  return info;
}

void SetUp(ifinfomsg* info, bool up) {
  info->ifi_flags = up ? IFF_UP : 0;
  info->ifi_change = IFF_UP;
}

bool SetHairpin(Conn& conn, const std::string& name, int index, bool on, Failure* failure) {
  Message message(RTM_SETLINK, 0);
  LinkHeader(message, AF_BRIDGE)->ifi_index = index;
  size_t protinfo = message.Nest(IFLA_PROTINFO);
  message.PutU8(IFLA_BRPORT_MODE, on ? 1 : 0);
  message.End(protinfo);
  return Transact(conn, message, std::string("turn hairpin ") + (on ? "on" : "off") + " for bridge port " + name, [](const nlmsghdr*) {}, failure);
}

}  // namespace

bool Open(Conn* conn, Failure* failure) {
  conn->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (conn->fd < 0) return failure->Set(errno, "open a netlink socket" + conn->where);
  int on = 1;
  // Both are hints: without them errors still carry errno, only not the kernel's text.
  setsockopt(conn->fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  setsockopt(conn->fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  conn->buffer.resize(kReceiveSize);
  return true;
}

void Close(Conn* conn) {
  if (conn->fd >= 0) close(conn->fd);
  conn->fd = -1;
}

bool GetLink(Conn& conn, const std::string& name, std::optional<Link>* link, Failure* failure) {
  if (name.empty() || name.size() >= IFNAMSIZ) return failure->Set(EINVAL, "look up link \"" + name + "\"" + conn.where + ": names are 1-15 bytes");
  Message message(RTM_GETLINK, 0);
  LinkHeader(message);
  message.PutString(IFLA_IFNAME, name);
  message.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  link->reset();
  Failure refused;
  if (Transact(conn, message, "look up link " + name, [&](const nlmsghdr* h) {
        if (h->nlmsg_type == RTM_NEWLINK) *link = ParseLink(h);
      }, &refused)) return true;
  if (refused.err == ENODEV) return link->reset(), true;
  *failure = refused;
  return false;
}

bool EnsureBridge(Conn& conn, const std::string& name, uint32_t mtu, const std::string& mac, Link* bridge, Failure* failure) {
  std::optional<Link> found;
  if (!GetLink(conn, name, &found, failure)) return false;
  if (!found) {
    Message message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    SetUp(LinkHeader(message), true);
    message.PutString(IFLA_IFNAME, name);
    if (mtu > 0) message.PutU32(IFLA_MTU, mtu);
    unsigned char address[6];
    if (!mac.empty()) {
      if (!ParseMac(mac, address)) return failure->Set(EINVAL, "parse " + mac + " as the MAC address of bridge " + name);
      message.Put(IFLA_ADDRESS, address, sizeof address);
    }
    size_t info = message.Nest(IFLA_LINKINFO);
    message.PutString(IFLA_INFO_KIND, "bridge");
    message.End(info);
    Failure refused;
    // EEXIST: someone else made it since we looked, which is as good.
    if (!Transact(conn, message, "create bridge " + name, [](const nlmsghdr*) {}, &refused) && refused.err != EEXIST) return *failure = refused, false;
    if (!GetLink(conn, name, &found, failure)) return false;
    if (!found) return failure->Set(ENODEV, "find bridge " + name + " just made" + conn.where);
  }
  if (found->kind != "bridge")
    return failure->Set(EEXIST, "use " + name + conn.where + " as the pod bridge: it is a " + (found->kind.empty() ? "device" : found->kind) + ", not a bridge");
  if (found->up && (mtu == 0 || found->mtu == mtu)) return *bridge = *found, true;
  LinkChange change;
  change.up = true;
  if (mtu > 0) change.mtu = mtu;
  if (!SetLink(conn, name, change, failure)) return false;
  found->up = true;
  if (mtu > 0) found->mtu = mtu;
  *bridge = *found;
  return true;
}

bool CreateVeth(Conn& conn, const VethSpec& spec, Link* link, Failure* failure) {
  int master = 0;
  if (!spec.master.empty() && !IndexOf(conn, spec.master, &master, failure)) return false;
  Message message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  SetUp(LinkHeader(message), true);
  message.PutString(IFLA_IFNAME, spec.name);
  if (spec.mtu > 0) message.PutU32(IFLA_MTU, spec.mtu);
  if (master > 0) message.PutU32(IFLA_MASTER, static_cast<uint32_t>(master));
  size_t info = message.Nest(IFLA_LINKINFO);
  message.PutString(IFLA_INFO_KIND, "veth");
  size_t data = message.Nest(IFLA_INFO_DATA);
  size_t peer = message.Nest(VETH_INFO_PEER);
  // The peer cannot be made up here: veth refuses to open (ENOTCONN) before both ends are
  // paired, which happens after the peer is configured. CreateVeth's caller brings it up.
  message.Append<ifinfomsg>();
  message.PutString(IFLA_IFNAME, spec.peerName);
  if (spec.mtu > 0) message.PutU32(IFLA_MTU, spec.mtu);
  if (spec.peerNsFd >= 0) message.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(spec.peerNsFd));
  message.End(peer);
  message.End(data);
  message.End(info);
  std::string what = "create veth " + spec.name + " (peer " + spec.peerName + (spec.peerNsLabel.empty() ? "" : " in " + spec.peerNsLabel) + ")";
  if (!Transact(conn, message, what, [](const nlmsghdr*) {}, failure)) return false;
  std::optional<Link> made;
  if (!GetLink(conn, spec.name, &made, failure)) return false;
  if (!made) return failure->Set(ENODEV, "find veth " + spec.name + " just made" + conn.where);
  if (spec.hairpin && !SetHairpin(conn, spec.name, made->index, true, failure)) return false;
  *link = *made;
  return true;
}

bool SetLink(Conn& conn, const std::string& name, const LinkChange& change, Failure* failure) {
  if (change.up || change.mtu || change.master) {
    Message message(RTM_NEWLINK, 0);
    ifinfomsg* info = LinkHeader(message);
    if (change.up) SetUp(info, *change.up);
    message.PutString(IFLA_IFNAME, name);
    if (change.mtu) message.PutU32(IFLA_MTU, *change.mtu);
    if (change.master) {
      int master = 0;
      if (!change.master->empty() && !IndexOf(conn, *change.master, &master, failure)) return false;
      message.PutU32(IFLA_MASTER, static_cast<uint32_t>(master));
    }
    if (!Transact(conn, message, "set link " + name, [](const nlmsghdr*) {}, failure)) return false;
  }
  if (!change.hairpin) return true;
  int index = 0;
  return IndexOf(conn, name, &index, failure) && SetHairpin(conn, name, index, *change.hairpin, failure);
}

bool DeleteLink(Conn& conn, const std::string& name, bool* existed, Failure* failure) {
  if (name.empty() || name.size() >= IFNAMSIZ) return failure->Set(EINVAL, "delete link \"" + name + "\"" + conn.where + ": names are 1-15 bytes");
  Message message(RTM_DELLINK, 0);
  LinkHeader(message);
  message.PutString(IFLA_IFNAME, name);
  Failure refused;
  *existed = true;
  if (Transact(conn, message, "delete link " + name, [](const nlmsghdr*) {}, &refused)) return true;
  if (refused.err == ENODEV) return *existed = false, true;
  *failure = refused;
  return false;
}

bool ReplaceAddress(Conn& conn, const std::string& name, const std::string& cidr, Failure* failure) {
  Ip ip;
  if (!ParseCidr(cidr, &ip)) return failure->Set(EINVAL, "parse " + cidr + " as address/prefix for " + name);
  int index = 0;
  if (!IndexOf(conn, name, &index, failure)) return false;
  Message message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
  auto* header = message.Append<ifaddrmsg>();
  header->ifa_family = static_cast<unsigned char>(ip.family);
  header->ifa_prefixlen = static_cast<unsigned char>(ip.prefix);
  header->ifa_index = static_cast<uint32_t>(index);
  message.Put(IFA_LOCAL, ip.bytes, ip.Size());
  message.Put(IFA_ADDRESS, ip.bytes, ip.Size());
  if (ip.family == AF_INET && ip.prefix < 31) {
    uint32_t address;
    memcpy(&address, ip.bytes, 4);
    uint32_t hostBits = ip.prefix == 0 ? 0xffffffffu : (1u << (32 - ip.prefix)) - 1;
    uint32_t broadcast = address | htonl(hostBits);
    message.Put(IFA_BROADCAST, &broadcast, 4);
  }
  return Transact(conn, message, "add address " + cidr + " to " + name, [](const nlmsghdr*) {}, failure);
}

bool ListAddresses(Conn& conn, const std::string& name, std::vector<Address>* addresses, Failure* failure) {
  int index = 0;
  if (!IndexOf(conn, name, &index, failure)) return false;
  Message message(RTM_GETADDR, Message::kDump);
  message.Append<ifaddrmsg>()->ifa_family = AF_UNSPEC;
  addresses->clear();
  return Transact(conn, message, "list the addresses of " + name, [&](const nlmsghdr* h) {
    auto* header = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
    if (h->nlmsg_type != RTM_NEWADDR || static_cast<int>(header->ifa_index) != index) return;
    std::string local, address;
    ForEachAttrOf<ifaddrmsg>(h, [&](uint16_t type, const void* data, size_t) {
      if (type == IFA_LOCAL) local = FormatIp(header->ifa_family, data);
      else if (type == IFA_ADDRESS) address = FormatIp(header->ifa_family, data);
    });
    addresses->push_back({AddressFamily(header->ifa_family), local.empty() ? address : local, header->ifa_prefixlen});
  }, failure);
}

bool ReplaceRoute(Conn& conn, const RouteSpec& spec, Failure* failure) {
  const std::string what = "add route " + spec.destination + (spec.gateway.empty() ? "" : " via " + spec.gateway) + (spec.device.empty() ? "" : " dev " + spec.device);
  Ip destination, gateway;
  bool isDefault = spec.destination == "default";
  if (!isDefault && !ParseCidr(spec.destination, &destination)) return failure->Set(EINVAL, "parse the destination of " + what);
  if (!spec.gateway.empty() && !ParseIp(spec.gateway, &gateway)) return failure->Set(EINVAL, "parse the gateway of " + what);
  if (isDefault) destination.family = spec.gateway.empty() ? AF_INET : gateway.family, destination.prefix = 0;
  if (!spec.gateway.empty() && gateway.family != destination.family) return failure->Set(EINVAL, what + ": the gateway is of another address family");
  int device = 0;
  if (!spec.device.empty() && !IndexOf(conn, spec.device, &device, failure)) return false;
  Message message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  auto* header = message.Append<rtmsg>();
  header->rtm_family = static_cast<unsigned char>(destination.family);
  header->rtm_dst_len = static_cast<unsigned char>(destination.prefix);
  header->rtm_table = RT_TABLE_MAIN;
  header->rtm_protocol = RTPROT_BOOT;
  header->rtm_scope = spec.gateway.empty() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  header->rtm_type = RTN_UNICAST;
  if (destination.prefix > 0) message.Put(RTA_DST, destination.bytes, destination.Size());
  if (!spec.gateway.empty()) message.Put(RTA_GATEWAY, gateway.bytes, gateway.Size());
  if (device > 0) message.PutU32(RTA_OIF, static_cast<uint32_t>(device));
  return Transact(conn, message, what, [](const nlmsghdr*) {}, failure);
}

bool ListRoutes(Conn& conn, int family, std::vector<Route>* routes, Failure* failure) {
  int af = family == 6 ? AF_INET6 : AF_INET;
  Message message(RTM_GETROUTE, Message::kDump);
  message.Append<rtmsg>()->rtm_family = static_cast<unsigned char>(af);
  routes->clear();
  return Transact(conn, message, std::string("list the IPv") + (family == 6 ? "6" : "4") + " routes", [&](const nlmsghdr* h) {
    auto* header = static_cast<const rtmsg*>(NLMSG_DATA(h));
    if (h->nlmsg_type != RTM_NEWROUTE || header->rtm_type != RTN_UNICAST) return;
    Route route;
    route.family = AddressFamily(header->rtm_family);
    route.prefixLength = header->rtm_dst_len;
    route.table = header->rtm_table;
    route.scope = header->rtm_scope;
    unsigned char zero[16] = {};
    route.destination = FormatIp(header->rtm_family, zero);
    ForEachAttrOf<rtmsg>(h, [&](uint16_t type, const void* data, size_t size) {
      if (type == RTA_DST) route.destination = FormatIp(header->rtm_family, data);
      else if (type == RTA_GATEWAY) route.gateway = FormatIp(header->rtm_family, data);
      else if (type == RTA_OIF) route.device = static_cast<int>(AttrU32(data, size));
      else if (type == RTA_TABLE) route.table = static_cast<int>(AttrU32(data, size));
    });
    if (route.table == RT_TABLE_MAIN) routes->push_back(route);
  }, failure);
}

}  // namespace skerry::netlink
