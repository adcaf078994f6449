// Threshold crossings derived from telemetry, with hysteresis, for the quantities a backend
// does not report itself (Capabilities::threshold_events).
#include "events/thresholds.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace cpo::sdk {
namespace {

bool in_db(Measure q) { return q == Measure::tx_power || q == Measure::rx_power || q == Measure::laser_power; }

// Values compared in dB for optical powers (hysteresis is in dB there), raw otherwise.
double scale(Measure q, double v) {
  if (!in_db(q)) return v;
  return v > 0.0 ? 10.0 * std::log10(v) : -std::numeric_limits<double>::infinity();
}

std::optional<double> pick(const cmis::ThresholdSet<double>& set, ThresholdLevel level, ThresholdBound bound) {
  if (level == ThresholdLevel::alarm) return bound == ThresholdBound::high ? set.high_alarm : set.low_alarm;
  return bound == ThresholdBound::high ? set.high_warning : set.low_warning;
}

template <typename T>
cmis::ThresholdSet<double> plain(const cmis::ThresholdSet<T>& s) {
  return {s.high_alarm.value(), s.low_alarm.value(), s.high_warning.value(), s.low_warning.value()};
}

}  // namespace

std::vector<ThresholdRule> threshold_rules(const EventOptions& options) {
  using L = ThresholdLevel;
  using B = ThresholdBound;
  // RS(544,514) corrects up to a pre-FEC BER of 2.4e-4 (IEEE 802.3 clause 119); the warning
  // sits a decade and a half below, where margin is visibly eroding.
  std::vector<ThresholdRule> rules = {
      {Measure::pre_fec_ber, L::warning, B::high, 1e-5, 5e-6},
      {Measure::pre_fec_ber, L::alarm, B::high, 2.4e-4, 1.2e-4},
      {Measure::laser_power, L::warning, B::low, std::nullopt, 0.5},
      {Measure::laser_power, L::alarm, B::low, std::nullopt, 0.5},
      {Measure::laser_bias, L::warning, B::high, std::nullopt, 5.0},
      {Measure::laser_bias, L::alarm, B::high, std::nullopt, 5.0},
      {Measure::rx_power, L::warning, B::low, std::nullopt, 0.5},
      {Measure::rx_power, L::alarm, B::low, std::nullopt, 0.5},
      {Measure::temperature, L::warning, B::high, std::nullopt, 1.0},
      {Measure::temperature, L::alarm, B::high, std::nullopt, 1.0},
      {Measure::temperature, L::warning, B::low, std::nullopt, 1.0},
      {Measure::temperature, L::alarm, B::low, std::nullopt, 1.0},
  };
  for (const auto& r : options.rules) {
    bool replaced = false;
    for (auto& d : rules) {
      if (d.quantity == r.quantity && d.level == r.level && d.bound == r.bound) {
        d = r;
        replaced = true;
      }
    }
    if (!replaced) rules.push_back(r);
  }
  return rules;
}

ThresholdWatcher::ThresholdWatcher(std::vector<ThresholdRule> rules, std::vector<Measure> backend_raises)
    : rules_(std::move(rules)), backend_raises_(std::move(backend_raises)) {}

void ThresholdWatcher::check(const ThresholdRule& rule, const EventObject& object, UnitId unit,
                             std::chrono::nanoseconds t, double value, std::optional<double> module_threshold,
                             std::vector<Event>& out) {
  const std::optional<double> threshold = rule.threshold ? rule.threshold : module_threshold;
  if (!threshold || !std::isfinite(value)) return;
  const double v = scale(rule.quantity, value);
  const double th = scale(rule.quantity, *threshold);
  const bool high = rule.bound == ThresholdBound::high;
  const std::string key = fmt::format("{}|{}|{}|{}", to_string(object), to_string(rule.quantity), to_string(rule.level),
                                      to_string(rule.bound));
  bool& asserted = state_[key];
  bool now = asserted;
  if (!asserted) {
    now = high ? v > th : v < th;
  } else {
    now = high ? v > th - rule.hysteresis : v < th + rule.hysteresis;
  }
  if (now == asserted) return;
  asserted = now;
  out.push_back(
      Event{unit, t, false, ThresholdCrossing{object, rule.quantity, rule.level, rule.bound, now, value, *threshold}});
}

void ThresholdWatcher::set_rules(std::vector<ThresholdRule> rules) {
  Lock lock(mu_);
  rules_ = std::move(rules);
}

void ThresholdWatcher::evaluate(const Telemetry& t, const ModuleThresholdView& modules, std::vector<Event>& out) {
  Lock lock(mu_);
  for (const auto& rule : rules_) {
    if (std::find(backend_raises_.begin(), backend_raises_.end(), rule.quantity) != backend_raises_.end()) continue;
    for (const auto& u : t.units) {
      switch (rule.quantity) {
        case Measure::pre_fec_ber:
          for (const auto& l : u.lanes)
            if (l.cdr_lock) check(rule, l.lane, u.unit, u.timestamp, l.pre_fec_ber, std::nullopt, out);
          break;
        case Measure::snr:
          for (const auto& l : u.lanes)
            if (l.cdr_lock) check(rule, l.lane, u.unit, u.timestamp, l.snr.value(), std::nullopt, out);
          break;
        case Measure::rx_power:
        case Measure::tx_power:
          for (const auto& l : u.lanes) {
            if (l.data_path_state != cmis::DataPathState::activated) continue;
            const cmis::Thresholds* th = modules.oe(l.lane);
            std::optional<double> limit;
            if (th != nullptr) {
              limit =
                  pick(plain(rule.quantity == Measure::rx_power ? th->rx_power : th->tx_power), rule.level, rule.bound);
            }
            const double value = rule.quantity == Measure::rx_power ? l.rx_power.value() : l.tx_power.value();
            check(rule, l.lane, u.unit, u.timestamp, value, limit, out);
          }
          break;
        case Measure::laser_power:
        case Measure::laser_bias:
          for (const auto& l : u.lasers) {
            if (l.state != LaserState::on) continue;
            const LaserThresholds* th = modules.laser(l.laser);
            std::optional<double> limit;
            if (th != nullptr) {
              limit = pick(rule.quantity == Measure::laser_power ? plain(th->power) : plain(th->bias), rule.level,
                           rule.bound);
            }
            const double value = rule.quantity == Measure::laser_power ? l.power.value() : l.bias.value();
            check(rule, l.laser, u.unit, u.timestamp, value, limit, out);
          }
          break;
        case Measure::temperature:
          for (const auto& o : u.oes) {
            const cmis::Thresholds* th = modules.oe_by_id(o.oe);
            if (th == nullptr) continue;
            check(rule, o.oe, u.unit, u.timestamp, o.temperature.value(),
                  pick(plain(th->temperature), rule.level, rule.bound), out);
          }
          break;
        case Measure::vcc:
          for (const auto& o : u.oes) {
            const cmis::Thresholds* th = modules.oe_by_id(o.oe);
            if (th == nullptr) continue;
            check(rule, o.oe, u.unit, u.timestamp, o.vcc.value(), pick(plain(th->vcc), rule.level, rule.bound), out);
          }
          break;
      }
    }
  }
}

}  // namespace cpo::sdk
