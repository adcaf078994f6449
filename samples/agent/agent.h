// A small NOS agent: brings a group of ports up with a breakout, then watches their links; when a
// link goes down it logs the logical ports that share the failure (the laser, ELS or optical
// engine behind it), which is what an operator needs before pulling a module.
//
// It depends only on `cpo::Switch&`, so its unit test (agent_test.cpp) runs it once on a
// cpo::sdk::MockSwitch (cposdk::mocks) and once on the simulator (sim://cpo144).
//
// Thread safety: the log function is called from the SDK's event thread; Agent itself is used
// from one thread (bring_up, watch, stop).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <cpo/sdk/switch.h>

namespace agent {

class Agent {
 public:
  using Log = std::function<void(const std::string& line)>;

  Agent(cpo::Switch& sw, Log log) : sw_(sw), log_(std::move(log)) {}

  // Splits `ports` ("8-11") into `mode` ("4x200G") in one bulk call, then sets each port
  // admin up. A refused or failed breakout is returned as is and no port is touched.
  cpo::Status bring_up(std::string_view ports, std::string_view mode);

  // Subscribes to link changes of the ports brought up (callback delivery). Each link-down
  // logs one line:
  //   "link down 9/0 (laser_fault): els 1 laser 1 darkens 9/0,9/1,9/2,9/3"
  //   "link down 9/0 (rx_los)"                  (a cause with no shared failure domain)
  cpo::Status watch();
  void stop() { subscription_.cancel(); }

  // The logical ports sharing the failure behind a link-down of `port` for `cause`, and the
  // name of the failure domain ("els 1 laser 1", "oe 1"); empty for a local cause.
  struct Impact {
    std::string domain;
    std::vector<cpo::LogicalPort> ports;
  };
  cpo::Result<Impact> impact_of(const cpo::LogicalPort& port, cpo::LinkCause cause);

 private:
  void on_event(const cpo::Event& event);

  cpo::Switch& sw_;
  Log log_;
  std::vector<cpo::PortId> ports_;
  cpo::sdk::Subscription subscription_;
};

}  // namespace agent
