// Deriving threshold crossings from telemetry (events.h, ThresholdRule). Keeps, per object
// and rule, whether the crossing is asserted, so each change is reported once.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cpo/hal/events.h"
#include "cpo/hal/mutex.h"
#include "cpo/sdk/events.h"
#include "cpo/sdk/telemetry.h"

namespace cpo::sdk {

// The module thresholds known to the SDK (CMIS page 02h per OE, ELSFP page 1Ah per laser).
struct ModuleThresholdView {
  const Platform* platform = nullptr;
  const std::vector<OeThresholds>* oes = nullptr;
  const std::vector<LaserThresholds>* lasers = nullptr;

  [[nodiscard]] const cmis::Thresholds* oe_by_id(OeId oe) const {
    if (oes == nullptr) return nullptr;
    for (const auto& o : *oes)
      if (o.oe == oe) return &o.thresholds;
    return nullptr;
  }
  [[nodiscard]] const cmis::Thresholds* oe(LaneId lane) const {
    if (platform == nullptr || lane.value() >= platform->lanes().size()) return nullptr;
    return oe_by_id(platform->lanes()[lane.value()].oe);
  }
  [[nodiscard]] const LaserThresholds* laser(const LaserRef& ref) const {
    if (lasers == nullptr) return nullptr;
    for (const auto& l : *lasers)
      if (l.laser == ref) return &l;
    return nullptr;
  }
};

class ThresholdWatcher {
 public:
  ThresholdWatcher(std::vector<ThresholdRule> rules, std::vector<Measure> backend_raises);
  // Appends the crossings since the last call (the first call reports what is beyond now).
  void evaluate(const Telemetry& telemetry, const ModuleThresholdView& modules, std::vector<Event>& out)
      CPO_EXCLUDES(mu_);
  // Replaces the rules (Switch::set_threshold_rules). What is asserted stays asserted: the
  // next evaluation compares it with the new threshold and reports a clear when it is back
  // inside, a new crossing when it is beyond.
  void set_rules(std::vector<ThresholdRule> rules) CPO_EXCLUDES(mu_);

 private:
  void check(const ThresholdRule& rule, const EventObject& object, UnitId unit, std::chrono::nanoseconds t,
             double value, std::optional<double> module_threshold, std::vector<Event>& out) CPO_REQUIRES(mu_);

  Mutex mu_;  // the poller evaluates while a configuration call replaces the rules
  std::vector<ThresholdRule> rules_ CPO_GUARDED_BY(mu_);
  const std::vector<Measure> backend_raises_;
  std::unordered_map<std::string, bool> state_ CPO_GUARDED_BY(mu_);
};

}  // namespace cpo::sdk
