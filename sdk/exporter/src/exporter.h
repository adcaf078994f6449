// cpo-exporter's core: several switches, each opened by URI, and one scrape = one snapshot of
// each, rendered with the facade's Prometheus rendering and merged into one exposition
// (docs/telemetry.md, "cpo-exporter"). Uses only the public facade (cpo/sdk).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/sdk/switch.h"

namespace cpo::exporter {

struct DeviceSpec {
  std::string name;  // the `switch` label
  std::string uri;
};

// "NAME=URI" or "URI". Without a name: the socket's file name for simd:// ("sw1" for
// simd:///run/cposim/sw1.sock), else "sw<index>". Errors: invalid_argument for an empty URI or
// a name outside [A-Za-z0-9_.-]{1,64}.
Result<DeviceSpec> parse_device(std::string_view text, std::size_t index);

// Merges Prometheus text expositions (each with one HELP/TYPE header per family) into one:
// every family once, its header from the first text that has it, then the samples of every
// text in order.
std::string merge_expositions(const std::vector<std::string>& texts);

class Exporter {
 public:
  // Opens every device. Errors: invalid_argument for a repeated name; the first device that
  // cannot be opened (its URI in the message).
  static Result<std::unique_ptr<Exporter>> open(const std::vector<DeviceSpec>& devices);

  // One scrape: one snapshot per switch, rendered and merged, plus the exporter's own families
  // (cpo_exporter_up, cpo_exporter_scrape_duration_seconds, cpo_exporter_snapshot_errors_total).
  // A switch whose snapshot fails is left out (cpo_exporter_up 0) and reopened on the next
  // scrape when it is gone (a restarted cpo-simd). Never throws; safe from any thread.
  std::string scrape();

  [[nodiscard]] std::size_t size() const noexcept { return devices_.size(); }

 private:
  struct Device {
    DeviceSpec spec;
    std::mutex mu;
    std::unique_ptr<Switch> sw;  // null while it cannot be opened
    sdk::Snapshot snap;          // reused by every scrape
    std::uint64_t errors = 0;
    bool up = false;
    double seconds = 0.0;
    std::string last_error;
  };
  std::string scrape_device(Device& d);

  std::vector<std::unique_ptr<Device>> devices_;
};

}  // namespace cpo::exporter
