// Host interfaces: one Linux tap netdev per logical port of an opened switch, on any backend
// (the simulator included), the way SONiC's virtual switch shows ports to a NOS
// (docs/netlink.md, "Host interfaces").
//
//   auto sw = cpo::sdk::Switch::open("sim://cpo144");
//   auto hostif = cpo::sdk::HostInterfaces::start(**sw, {.netns = "lab"});
//   // `ip -n lab link` now lists Ethernet0, Ethernet4, ... Ethernet572
//
// - Names follow `pattern`: {N} is the logical port's first lane (SONiC's numbering: port 1
//   under 4x200G is Ethernet4..Ethernet7), {P} the port, {S} the sub-port.
// - Carrier follows the logical port's oper state (TUNSETCARRIER) as link_change events
//   arrive; admin state is synchronised both ways: `ip link set Ethernet0 down` sets the
//   logical port admin down through the facade, and a port set down through the facade takes
//   its interface down. MTU likewise, when the switch has the MTU capability: `ip link set
//   Ethernet0 mtu 9100` calls Switch::set_mtu (a refused value is undone on the interface),
//   and an MTU set through the facade reaches the interface at the next pass.
// - A breakout adds and removes the interfaces of the affected sub-ports (at the next pass,
//   every `period`, or at once with sync()).
// - The taps are not persistent: they disappear when this object is destroyed or the process
//   dies, so a crash leaves nothing behind. Interfaces of the same names that exist already
//   are refused (already_exists) rather than taken over. Every interface carries the alias
//   "cposdk-hostif pid=<owner> port=<P>/<S>" (`ip link` shows it), by which list() finds them
//   from any process and remove_leftovers() deletes those whose owner no longer runs.
//
// Thread safety: all members may be called from any thread. One worker thread (inside the
// chosen namespace) does the work; it calls the facade, never user code.
// Lifetime: `sw` must outlive the HostInterfaces.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cpo/hal/ids.h"
#include "cpo/hal/status.h"

namespace cpo::sdk {

class Switch;

struct HostInterfaceOptions {
  std::string netns;                      // named namespace (/run/netns/NAME); empty: the caller's
  std::string pattern = "Ethernet{N}";    // {N} first lane, {P} port, {S} sub-port; at most 15 chars
  std::chrono::milliseconds period{200};  // full pass: breakout, admin and oper from the switch
};

struct HostInterface {
  LogicalPort port;
  std::string ifname;
  int ifindex = 0;
  bool admin_up = false;  // as last agreed between the netdev and the switch
  bool carrier = false;
  std::uint32_t mtu = 0;  // as last agreed; 0 when the switch has no MTU (the tap keeps its own)
};

// A host interface as another process sees it (HostInterfaces::list).
struct MarkedInterface {
  std::string ifname;
  int ifindex = 0;
  LogicalPort port;
  int owner_pid = 0;           // the process that made it
  bool owner_running = false;  // that process still runs (else: a leftover)
  bool admin_up = false;       // IFF_UP
  bool carrier = false;        // IFLA_CARRIER
  std::uint32_t mtu = 0;
};

class HostInterfaces {
 public:
  // Every host interface in namespace `netns` (empty: the caller's), by port. Errors:
  // not_found (no such namespace), io_error (netlink).
  static Result<std::vector<MarkedInterface>> list(const std::string& netns);
  // Deletes the host interfaces in `netns` whose owner no longer runs; returns their names.
  // Errors: as list(), io_error naming the interface the kernel would not delete.
  static Result<std::vector<std::string>> remove_leftovers(const std::string& netns);

  // Creates every interface and brings the admin-up ones up before returning. Errors:
  // not_found (no such namespace), already_exists (a netdev of one of the names exists),
  // io_error (/dev/net/tun or netlink refused; the message says which call), invalid_argument
  // (a pattern without a placeholder, or a name longer than 15 characters).
  static Result<std::unique_ptr<HostInterfaces>> start(Switch& sw, const HostInterfaceOptions& options = {});
  ~HostInterfaces();
  HostInterfaces(const HostInterfaces&) = delete;
  HostInterfaces& operator=(const HostInterfaces&) = delete;

  // The interfaces, by port then sub-port.
  [[nodiscard]] std::vector<HostInterface> interfaces() const;
  // Runs a full pass now (breakout, admin, carrier) and returns its status.
  Status sync();

  struct State;

 private:
  explicit HostInterfaces(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace cpo::sdk
