// A small rtnetlink client for the pod network: links (bridge, veth), addresses, routes.
// A Conn is one NETLINK_ROUTE socket; a socket belongs to the network namespace it was
// made in, so the caller makes it on a thread that has entered that namespace and can
// then use it from anywhere. No N-API here: these run on worker threads.
#pragma once
#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

namespace skerry::netlink {

// Why an operation failed: errno and what was being done ("create veth … in …").
struct Failure {
  int err = 0;
  std::string what;
  bool Set(int e, std::string w) {
    err = e, what = std::move(w);
    return false;
  }
};

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // IFLA_INFO_KIND: "bridge", "veth", … ("" for lo and physical devices)
  std::string mac;
  uint32_t mtu = 0;
  bool up = false;   // administratively up (IFF_UP)
  int master = 0;    // ifindex of the bridge it is a port of, 0 when none
  int peer = 0;      // IFLA_LINK: a veth's other end (an ifindex in that end's namespace), 0 when none
};

struct Address {
  int family = 4;  // 4 or 6
  std::string address;
  int prefixLength = 0;
};

struct Route {
  int family = 4;
  std::string destination;  // network address; "0.0.0.0" with prefixLength 0 for the default route
  int prefixLength = 0;
  std::string gateway;      // "" when directly connected
  int device = 0;           // output ifindex
  int table = 0;
  int scope = 0;
};

// One socket and the label of its namespace for messages (" in /run/netns/x").
struct Conn {
  int fd = -1;
  uint32_t seq = 0;
  std::string where;
  std::vector<char> buffer;
};

bool Open(Conn* conn, Failure* failure);
void Close(Conn* conn);

// The link called `name`, or nullopt when there is none.
bool GetLink(Conn& conn, const std::string& name, std::optional<Link>* link, Failure* failure);

// A bridge called `name` that is up with this MTU: made when missing (with `mac` when given,
// which also stops the bridge from taking its ports' addresses), adjusted when it exists.
bool EnsureBridge(Conn& conn, const std::string& name, uint32_t mtu, const std::string& mac, Link* bridge, Failure* failure);

struct VethSpec {
  std::string name, peerName;
  int peerNsFd = -1;          // the peer is made directly in this namespace
  std::string peerNsLabel;
  uint32_t mtu = 0;           // both ends; 0 keeps the default
  std::string master;         // bridge for this end, "" for none
  bool hairpin = false;       // let frames leave the bridge port they came in on
};

// This end comes up with the request that makes it; the peer must be set up afterwards
// through a socket in its namespace.
bool CreateVeth(Conn& conn, const VethSpec& spec, Link* link, Failure* failure);

struct LinkChange {
  std::optional<bool> up;
  std::optional<uint32_t> mtu;
  std::optional<std::string> master;  // "" detaches it from its bridge
  std::optional<bool> hairpin;
};
bool SetLink(Conn& conn, const std::string& name, const LinkChange& change, Failure* failure);

// Deleting one end of a veth deletes both. `existed` is false when there was nothing to delete.
bool DeleteLink(Conn& conn, const std::string& name, bool* existed, Failure* failure);

// Adds `cidr` (address/prefix) to the link, or leaves it as is when it is there already.
bool ReplaceAddress(Conn& conn, const std::string& name, const std::string& cidr, Failure* failure);
bool ListAddresses(Conn& conn, const std::string& name, std::vector<Address>* addresses, Failure* failure);

struct RouteSpec {
  std::string destination;  // CIDR, or "default"
  std::string gateway;      // "" for a route straight out of `device`
  std::string device;       // "" lets the kernel find the device from the gateway
};
// Adds the route to the main table, replacing one to the same destination.
bool ReplaceRoute(Conn& conn, const RouteSpec& spec, Failure* failure);
bool ListRoutes(Conn& conn, int family, std::vector<Route>* routes, Failure* failure);

}  // namespace skerry::netlink
