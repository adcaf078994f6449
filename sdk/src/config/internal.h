// Shared by the configuration sources (document, state, plan, apply, persist).
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "cpo/sdk/config.h"

namespace cpo::sdk {

inline constexpr Measure kMeasureList[] = {Measure::temperature, Measure::vcc,         Measure::tx_power,
                                           Measure::rx_power,    Measure::laser_power, Measure::laser_bias,
                                           Measure::pre_fec_ber, Measure::snr};
inline constexpr ThresholdLevel kLevelList[] = {ThresholdLevel::warning, ThresholdLevel::alarm};
inline constexpr ThresholdBound kBoundList[] = {ThresholdBound::high, ThresholdBound::low};

// Laser powers are kept to the ELSFP set-point step (page 1Bh, 10 uW).
inline double round_power(double mw) { return std::round(mw * 100.0) / 100.0; }
inline Milliwatts round_power(Milliwatts mw) { return Milliwatts(round_power(mw.value())); }
// Bias set-points are kept to the ELSFP step (page 1Bh, 100 uA).
inline Milliamps round_bias(Milliamps ma) { return Milliamps(std::round(ma.value() * 10.0) / 10.0); }
std::string bias_text(Milliamps ma);  // "150", "12.3"
inline std::string control_text(cmis::ElsControlMode mode) { return mode == cmis::ElsControlMode::acc ? "acc" : "apc"; }

// Rules sorted by quantity, level and bound (the order of the enums).
void sort_rules(std::vector<ThresholdRule>& rules);
bool same_rules(const std::vector<ThresholdRule>& a, const std::vector<ThresholdRule>& b);

// Spellings used in plans and documents.
std::string admin_text(const std::vector<AdminState>& admin);  // "up", "down", "[up, down, up, up]"
std::string fir_text(const TxFir& fir);                        // "{pre: -4, main: 52, post: -7}"
std::string power_text(Milliwatts mw);                         // "100", "79.43"
std::string rules_text(const std::vector<ThresholdRule>& rules);
std::string object_text(const ObjectRef& object);  // "port 12", "port 12/1", "lane 48", "els 7 laser 3"

// What a document asks of every port and laser, with where it asks it.
struct Desired {
  ConfigState state;
  // "ports[2].fec" by port and field; "lasers[0].power_mw" by laser and field.
  std::map<std::pair<std::uint32_t, std::string>, std::string> port_source;
  std::map<std::pair<LaserRef, std::string>, std::string> laser_source;
  std::map<LaserRef, Decibels> ramp;
  std::string class_limit_source, thresholds_source;
};

// Validates `config` against the switch and the running state and builds the desired state.
// Every issue goes to `issues`; the desired state is meaningful only without issues.
Desired resolve(Switch& sw, const Config& config, const ConfigState& running, std::vector<ConfigIssue>& issues);

}  // namespace cpo::sdk
