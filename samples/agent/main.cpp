// The agent as a program: bring ports up with a breakout, watch their links, and (on the
// simulator) fail the laser of the second port to see the agent name every port it darkens.
//
//   agent [URI] [PORTS] [MODE]      defaults: sim://cpo144 8-11 4x200G
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <variant>

#include <cpo/sdk/exit_codes.h>
#include <cpo/sdk/switch.h>

#include "agent.h"

int main(int argc, char** argv) {
  const std::string uri = argc > 1 ? argv[1] : "sim://cpo144";
  const std::string ports = argc > 2 ? argv[2] : "8-11";
  const std::string mode = argc > 3 ? argv[3] : "4x200G";
  auto opened = cpo::Switch::open(uri);
  if (!opened) {
    (void)std::fprintf(stderr, "open %s: %s\n", uri.c_str(), opened.status().to_string().c_str());
    return static_cast<int>(cpo::sdk::exit_code_for(opened.status().code()));
  }
  cpo::Switch& sw = **opened;

  std::mutex mutex;  // the log runs on the SDK's event thread
  agent::Agent a(sw, [&mutex](const std::string& line) {
    std::lock_guard lock(mutex);
    (void)std::printf("%s\n", line.c_str());
    (void)std::fflush(stdout);
  });
  for (const auto& status : {a.bring_up(ports, mode), a.watch()}) {
    if (!status.ok()) {
      (void)std::fprintf(stderr, "%s\n", status.to_string().c_str());
      return static_cast<int>(cpo::sdk::exit_code_for(status.code()));
    }
  }
  (void)std::printf("%s: ports %s up as %s, watching their links\n", uri.c_str(), ports.c_str(), mode.c_str());
  sw.sleep_for(std::chrono::seconds(3));  // the links train

  if (auto* sim = sw.simulator()) {
    // The laser lighting the second port's first lane dies.
    auto list = sw.resolve_all(ports);
    if (list && list->size() > 1 && std::holds_alternative<cpo::PortId>((*list)[1])) {
      const auto port = std::get<cpo::PortId>((*list)[1]);
      const cpo::LaserRef laser = sw.platform().lane(sw.platform().port(port).value()->lanes[0]).value()->laser;
      (void)std::printf("injecting a failure of %s\n", cpo::to_string(laser).c_str());
      (void)sim->fail_laser(laser);
      sw.sleep_for(std::chrono::milliseconds(200));
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the event thread runs on host time
  a.stop();
  return 0;
}
