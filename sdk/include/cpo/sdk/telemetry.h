// A whole-switch telemetry snapshot with what the SDK derives from it (logical ports,
// thresholds, energy per port), and its renderings: JSON and the Prometheus text format.
//
// Consistency: each unit's values are one consistent copy of what its firmware published
// (UnitTelemetry); units are copied one after the other. Derived values are computed from
// that copy only.
//
// Energy accounting (docs/telemetry.md, "Energy per port"): each port is charged
// - its share of every ELS feeding it: the ELS's electrical power (supply voltage x supply
//   current, ELSFP page 1Bh ICC) split over the ELS's lasers in proportion to their bias
//   current, each laser's share split equally over the lanes it lights;
// - its share of every optical engine serving it: the OE's dissipated power split equally
//   over the OE's lanes.
// A port's watts are the sum over its lanes; pJ/bit = watts / port speed (the configured
// speed of its sub-ports, whether or not they are up), 0 when the port has no speed.
//
// Thread safety: plain values; the render functions are pure.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/hal/cmis/elsfp.h"
#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/platform.h"
#include "cpo/hal/telemetry.h"

namespace cpo::sdk {

// Bumped when a key or a metric is renamed or removed (additions keep the version).
inline constexpr int kSnapshotSchemaVersion = 1;

// A sub-port under the port's current breakout, with counters derived from its lanes.
struct LogicalPortTelemetry {
  LogicalPort port;
  std::string name;  // SONiC name, "Ethernet236"
  Gbps speed;
  AdminState admin = AdminState::down;
  OperState oper = OperState::down;
  std::vector<LaneId> lanes;
  std::uint64_t fec_corrected = 0;    // codewords, sum over its lanes
  std::uint64_t fec_uncorrected = 0;  // codewords
  double pre_fec_ber_max = 0.0;       // worst lane
  Milliwatts rx_power_min;            // weakest lane
};

struct PortEnergy {
  PortId port;
  double laser_watts = 0.0;  // ELS share
  double oe_watts = 0.0;     // optical-engine share
  double watts = 0.0;        // laser_watts + oe_watts
  double pj_per_bit = 0.0;   // watts / speed; 0 when the port has no speed
};

// Thresholds the modules advertise (CMIS page 02h for OEs, ELSFP page 1Ah for lasers),
// read once when the switch is opened and again after an ELS is replaced.
struct LaserThresholds {
  LaserRef laser;
  cmis::ThresholdSet<Milliwatts> power;
  cmis::ThresholdSet<Milliamps> bias;
};
struct OeThresholds {
  OeId oe;
  cmis::Thresholds thresholds;
};

struct Snapshot {
  int schema_version = kSnapshotSchemaVersion;
  std::string platform;                             // profile name
  Telemetry units;                                  // per unit, in unit order
  std::vector<LogicalPortTelemetry> logical_ports;  // by port, then sub-port
  std::vector<PortEnergy> energy;                   // by port
  std::vector<OeThresholds> oe_thresholds;          // OEs whose page 02h was read
  std::vector<LaserThresholds> laser_thresholds;    // lasers whose page 1Ah was read
  double total_optics_watts = 0.0;                  // sum of energy[].watts
};

// Fills `energy` and `total_optics_watts` of `snapshot` from its unit telemetry (see the
// method above). Exposed for callers that build snapshots themselves (tests, replay).
void account_energy(const Platform& platform, Snapshot& snapshot);

// JSON with the keys documented in docs/telemetry.md ("schema_version", "units", "ports",
// "logical_ports", "lanes", "oes", "els", "lasers", "energy", and "thresholds" when the
// snapshot has any); values in the units the keys name (..._mw, ..._ma, ..._c, ..._v, ..._w);
// a value that is not finite is null. Compact unless `pretty`.
[[nodiscard]] std::string render_json(const Platform& platform, const Snapshot& snapshot, bool pretty = false);
// The Prometheus text exposition format (version 0.0.4): metric names cpo_<object>_<value>_
// <base unit> (counters ..._total), labels switch (the given name), unit, port, subport,
// name (SONiC), lane, oe, bank, els, laser; HELP and TYPE for every family; NaN, +Inf, -Inf
// for values that are not finite.
[[nodiscard]] std::string render_prometheus(const Platform& platform, const Snapshot& snapshot,
                                            std::string_view switch_name = "cpo");

}  // namespace cpo::sdk
