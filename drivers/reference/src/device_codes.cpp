// Translation between the reference device's numbering (registers.def) and the HAL's own
// enums and flag sets. The device's codes never leave drivers/reference.
#include "device_codes.h"

namespace cpo::reference {

FecMode fec_from_device(std::uint32_t v) {
  switch (static_cast<rd::Fec>(v)) {
    case rd::Fec::kNone: return FecMode::none;
    case rd::Fec::kFc: return FecMode::fc;
    case rd::Fec::kRs528: return FecMode::rs528;
    case rd::Fec::kRs544: return FecMode::rs544;
  }
  return FecMode::none;
}
std::optional<rd::Fec> fec_to_device(FecMode m) {
  switch (m) {
    case FecMode::none: return rd::Fec::kNone;
    case FecMode::fc: return rd::Fec::kFc;
    case FecMode::rs528: return rd::Fec::kRs528;
    case FecMode::rs544: return rd::Fec::kRs544;
  }
  return std::nullopt;
}
LoopbackMode loopback_from_device(std::uint32_t v) {
  switch (static_cast<rd::Loopback>(v)) {
    case rd::Loopback::kNone: return LoopbackMode::none;
    case rd::Loopback::kPhyNearEnd: return LoopbackMode::phy_near_end;
    case rd::Loopback::kPhyFarEnd: return LoopbackMode::phy_far_end;
  }
  return LoopbackMode::none;
}
std::optional<rd::Loopback> loopback_to_device(LoopbackMode m) {
  switch (m) {
    case LoopbackMode::none: return rd::Loopback::kNone;
    case LoopbackMode::phy_near_end: return rd::Loopback::kPhyNearEnd;
    case LoopbackMode::phy_far_end: return rd::Loopback::kPhyFarEnd;
  }
  return std::nullopt;
}
// The reference device knows four patterns (registers.def, enum PrbsPattern).
bool prbs_to_device(PrbsPattern p, rd::PrbsPattern& out) {
  switch (p) {
    case PrbsPattern::prbs7: out = rd::PrbsPattern::kPrbs7; return true;
    case PrbsPattern::prbs31: out = rd::PrbsPattern::kPrbs31; return true;
    case PrbsPattern::prbs13q: out = rd::PrbsPattern::kPrbs13Q; return true;
    case PrbsPattern::prbs31q: out = rd::PrbsPattern::kPrbs31Q; return true;
    default: return false;
  }
}
PrbsPattern prbs_from_device(std::uint32_t v) {
  switch (static_cast<rd::PrbsPattern>(v)) {
    case rd::PrbsPattern::kPrbs7: return PrbsPattern::prbs7;
    case rd::PrbsPattern::kPrbs31: return PrbsPattern::prbs31;
    case rd::PrbsPattern::kPrbs13Q: return PrbsPattern::prbs13q;
    case rd::PrbsPattern::kPrbs31Q: return PrbsPattern::prbs31q;
    case rd::PrbsPattern::kOff: break;
  }
  return PrbsPattern::prbs31q;
}
LaserState laser_state_from_device(std::uint32_t v) {
  switch (static_cast<rd::LaserState>(v)) {
    case rd::LaserState::kOff: return LaserState::off;
    case rd::LaserState::kRamping: return LaserState::ramping;
    case rd::LaserState::kOn: return LaserState::on;
    case rd::LaserState::kFault: return LaserState::fault;
    case rd::LaserState::kAbsent: return LaserState::absent;
  }
  return LaserState::off;
}
LinkCause link_cause_from_device(std::uint32_t v) {
  switch (static_cast<rd::LinkCause>(v)) {
    case rd::LinkCause::kNone: return LinkCause::none;
    case rd::LinkCause::kAdminDown: return LinkCause::admin_down;
    case rd::LinkCause::kRxLos: return LinkCause::rx_los;
    case rd::LinkCause::kHighBer: return LinkCause::high_ber;
    case rd::LinkCause::kLaserFault: return LinkCause::laser_fault;
    case rd::LinkCause::kOeFault: return LinkCause::oe_fault;
    case rd::LinkCause::kThermalShutdown: return LinkCause::thermal_shutdown;
    case rd::LinkCause::kReconfigured: return LinkCause::reconfigured;
    case rd::LinkCause::kPrbs: return LinkCause::prbs;
    case rd::LinkCause::kUnitReset: return LinkCause::unit_reset;
    case rd::LinkCause::kDataPathInactive: return LinkCause::data_path_inactive;
    case rd::LinkCause::kElsRemoved: return LinkCause::els_removed;
  }
  return LinkCause::none;
}

// Bit sets of the device mapped onto the HAL's (the HAL numbers them its own way).
template <typename E>
FlagSet<E> map_bits(std::uint32_t word, std::initializer_list<std::pair<rd::BitField, E>> map) {
  FlagSet<E> out;
  for (const auto& [field, flag] : map)
    if (field.get(word) != 0) out.set(flag);
  return out;
}
PortFaults port_faults(std::uint32_t w) {
  return map_bits<PortFault>(w, {{rd::bits::kPortFaultsRxLos, PortFault::rx_los},
                                 {rd::bits::kPortFaultsHighBer, PortFault::high_ber},
                                 {rd::bits::kPortFaultsLaserFault, PortFault::laser_fault},
                                 {rd::bits::kPortFaultsOeFault, PortFault::oe_fault},
                                 {rd::bits::kPortFaultsThermalShutdown, PortFault::thermal_shutdown},
                                 {rd::bits::kPortFaultsTraining, PortFault::training},
                                 {rd::bits::kPortFaultsDataPathInactive, PortFault::data_path_inactive}});
}
ModuleThresholds threshold_flags(std::uint32_t w) {
  return map_bits<ModuleThreshold>(w, {{rd::bits::kThresholdFlagsTempHighAlarm, ModuleThreshold::temp_high_alarm},
                                       {rd::bits::kThresholdFlagsTempLowAlarm, ModuleThreshold::temp_low_alarm},
                                       {rd::bits::kThresholdFlagsTempHighWarning, ModuleThreshold::temp_high_warning},
                                       {rd::bits::kThresholdFlagsTempLowWarning, ModuleThreshold::temp_low_warning},
                                       {rd::bits::kThresholdFlagsVccHighAlarm, ModuleThreshold::vcc_high_alarm},
                                       {rd::bits::kThresholdFlagsVccLowAlarm, ModuleThreshold::vcc_low_alarm},
                                       {rd::bits::kThresholdFlagsVccHighWarning, ModuleThreshold::vcc_high_warning},
                                       {rd::bits::kThresholdFlagsVccLowWarning, ModuleThreshold::vcc_low_warning}});
}
OeFaults oe_faults(std::uint32_t w) {
  return map_bits<OeFault>(w, {{rd::bits::kOeFaultsModuleFault, OeFault::module_fault},
                               {rd::bits::kOeFaultsThermalShutdown, OeFault::thermal_shutdown},
                               {rd::bits::kOeFaultsNoLight, OeFault::no_light}});
}
LaserFlags laser_flags(std::uint32_t w) {
  return map_bits<LaserFlag>(w, {{rd::bits::kLaserFlagsEnabled, LaserFlag::enabled},
                                 {rd::bits::kLaserFlagsPowerHighAlarm, LaserFlag::power_high_alarm},
                                 {rd::bits::kLaserFlagsPowerLowAlarm, LaserFlag::power_low_alarm},
                                 {rd::bits::kLaserFlagsBiasHighAlarm, LaserFlag::bias_high_alarm},
                                 {rd::bits::kLaserFlagsBiasHighWarning, LaserFlag::bias_high_warning},
                                 {rd::bits::kLaserFlagsTempHighAlarm, LaserFlag::temp_high_alarm}});
}
ElsFaults els_faults(std::uint32_t w) {
  return map_bits<ElsFault>(w, {{rd::bits::kElsFlagsInterlockOpen, ElsFault::interlock_open}});
}
UnitFlags unit_flags(std::uint32_t w) {
  return map_bits<UnitFlag>(w, {{rd::bits::kUnitFlagsReady, UnitFlag::ready},
                                {rd::bits::kUnitFlagsResetting, UnitFlag::resetting},
                                {rd::bits::kUnitFlagsThermalShutdown, UnitFlag::thermal_shutdown}});
}

// Field encodings (registers.def units column).
Celsius temp_256(std::uint32_t v) { return Celsius(static_cast<double>(static_cast<std::int32_t>(v)) / 256.0); }
// Divisions, not multiplications by 1e-4, so 33000 reads as exactly the double nearest 3.3.
Volts vcc_100uv(std::uint32_t v) { return Volts(static_cast<double>(v) / 10000.0); }
Milliwatts power_100nw(std::uint32_t v) { return Milliwatts(static_cast<double>(v) / 10000.0); }  // 0.1 uW steps
std::uint64_t u64(std::uint32_t lo, std::uint32_t hi) { return (std::uint64_t{hi} << 32) | lo; }

cmis::ModuleState module_state_from_device(std::uint32_t v) {
  switch (static_cast<rd::ModuleState>(v)) {
    case rd::ModuleState::kLowPwr: return cmis::ModuleState::low_power;
    case rd::ModuleState::kPwrUp: return cmis::ModuleState::power_up;
    case rd::ModuleState::kReady: return cmis::ModuleState::ready;
    case rd::ModuleState::kPwrDn: return cmis::ModuleState::power_down;
    case rd::ModuleState::kFault: return cmis::ModuleState::fault;
  }
  return cmis::ModuleState::reserved;
}
cmis::DataPathState data_path_state_from_device(std::uint32_t v) {
  switch (static_cast<rd::DataPathState>(v)) {
    case rd::DataPathState::kDeactivated: return cmis::DataPathState::deactivated;
    case rd::DataPathState::kInit: return cmis::DataPathState::init;
    case rd::DataPathState::kDeinit: return cmis::DataPathState::deinit;
    case rd::DataPathState::kActivated: return cmis::DataPathState::activated;
    case rd::DataPathState::kTxTurnOn: return cmis::DataPathState::tx_turn_on;
    case rd::DataPathState::kTxTurnOff: return cmis::DataPathState::tx_turn_off;
    case rd::DataPathState::kInitialized: return cmis::DataPathState::initialized;
  }
  return cmis::DataPathState::reserved;
}
LaserFaultCode laser_fault_from_device(std::uint32_t v) {
  switch (static_cast<rd::LaserFault>(v)) {
    case rd::LaserFault::kNone: return LaserFaultCode::none;
    case rd::LaserFault::kApcLoop: return LaserFaultCode::apc_loop;
    case rd::LaserFault::kAccLoop: return LaserFaultCode::acc_loop;
    case rd::LaserFault::kThermalShutdown: return LaserFaultCode::thermal_shutdown;
    case rd::LaserFault::kRemoved: return LaserFaultCode::removed;
    case rd::LaserFault::kInterlockOpen: return LaserFaultCode::interlock_open;
  }
  return LaserFaultCode::vendor;
}
std::optional<TemperatureThreshold> temperature_threshold_from_device(std::uint32_t v) {
  switch (static_cast<rd::ThresholdFlag>(v)) {
    case rd::ThresholdFlag::kHighAlarm: return TemperatureThreshold{ThresholdLevel::alarm, ThresholdBound::high};
    case rd::ThresholdFlag::kHighWarning: return TemperatureThreshold{ThresholdLevel::warning, ThresholdBound::high};
    case rd::ThresholdFlag::kLowWarning: return TemperatureThreshold{ThresholdLevel::warning, ThresholdBound::low};
    case rd::ThresholdFlag::kLowAlarm: return TemperatureThreshold{ThresholdLevel::alarm, ThresholdBound::low};
    default: return std::nullopt;
  }
}

}  // namespace cpo::reference
