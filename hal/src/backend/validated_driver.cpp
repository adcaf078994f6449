// The generic checks above every backend. Each method checks, then calls the backend once;
// a refusal returns before the backend is touched, which the tests prove with a strict mock.
#include "cpo/hal/backend/validated_driver.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace cpo {
namespace {

template <typename T>
std::string join(const std::vector<T>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += to_string(v);
  }
  return out.empty() ? "none" : out;
}

Status missing(const Capabilities& caps, std::string_view what) {
  return error(Code::unsupported, fmt::format("backend {} does not support {}", caps.backend, what));
}

Status tap_range(LaneId lane, std::string_view tap, std::int32_t value, std::int32_t lo, std::int32_t hi) {
  if (value >= lo && value <= hi) return ok_status();
  return error(Code::out_of_range, fmt::format("{} tx-FIR {} tap {} is outside the allowed range {}..{}",
                                               to_string(lane), tap, value, lo, hi));
}

}  // namespace

Status ValidatedDriver::set_admin_state(PortId port, AdminState state) {
  if (!capabilities().port_admin) return missing(capabilities(), "port admin state");
  CPO_RETURN_IF_ERROR(platform_.port(port).status());
  return backend_.set_admin_state(port, state);
}

Status ValidatedDriver::set_subport_admin_state(const LogicalPort& port, AdminState state) {
  if (!capabilities().subport_admin) return missing(capabilities(), "sub-port admin state");
  CPO_RETURN_IF_ERROR(check_subport(port));
  return backend_.set_subport_admin_state(port, state);
}

Status ValidatedDriver::set_breakout(std::span<const BreakoutRequest> requests) {
  const Capabilities& caps = capabilities();
  if (!caps.breakout) return missing(caps, "breakout");
  if (requests.size() > 1 && !caps.bulk_breakout) {
    return missing(caps, fmt::format("breakout of {} port groups in one call (one at a time)", requests.size()));
  }
  if (requests.empty()) return ok_status();  // nothing to change: zero device writes
  std::set<PortId> seen;
  for (const auto& request : requests) {
    CPO_RETURN_IF_ERROR(platform_.check_breakout(request.port, request.mode));
    if (!seen.insert(request.port).second) {
      return error(
          Code::invalid_argument,
          fmt::format("{} appears twice in one breakout call (each port group at most once)", to_string(request.port)));
    }
  }
  return backend_.set_breakout(requests);
}

Status ValidatedDriver::check_subport(const LogicalPort& port) const {
  CPO_RETURN_IF_ERROR(platform_.port(port.port).status());
  if (port.subport >= platform_.ports()[port.port.value()].lanes.size()) {
    return error(Code::out_of_range, fmt::format("{} does not exist (a port has at most {} sub-ports)", to_string(port),
                                                 platform_.ports()[port.port.value()].lanes.size()));
  }
  return ok_status();
}

Result<std::uint32_t> ValidatedDriver::mtu(const LogicalPort& port) {
  if (!capabilities().mtu) return missing(capabilities(), "port MTU");
  CPO_RETURN_IF_ERROR(check_subport(port));
  return backend_.mtu(port);
}

Status ValidatedDriver::set_mtu(const LogicalPort& port, std::uint32_t bytes) {
  const Capabilities& caps = capabilities();
  if (!caps.mtu) return missing(caps, "port MTU");
  CPO_RETURN_IF_ERROR(check_subport(port));
  if (bytes < caps.mtu_min || bytes > caps.mtu_max) {
    return error(Code::out_of_range, fmt::format("MTU {} of {} is outside the range {}..{} bytes this device accepts",
                                                 bytes, to_string(port), caps.mtu_min, caps.mtu_max));
  }
  return backend_.set_mtu(port, bytes);
}

Status ValidatedDriver::set_fec(PortId port, FecMode mode) {
  const Capabilities& caps = capabilities();
  if (caps.fec_modes.empty()) return missing(caps, "FEC configuration");
  CPO_RETURN_IF_ERROR(platform_.port(port).status());
  if (std::find(caps.fec_modes.begin(), caps.fec_modes.end(), mode) == caps.fec_modes.end()) {
    return error(Code::unsupported, fmt::format("{}: backend {} does not support FEC {} (supported: {})",
                                                to_string(port), caps.backend, to_string(mode), join(caps.fec_modes)));
  }
  // IEEE 802.3: BASE-R FEC (clause 74) and RS(528,514) (clause 91) exist only for lanes up
  // to 25 Gb/s; PAM4 lanes of 50G and more require RS(544,514) (clauses 134, 161, 172).
  if (platform_.lane_rate() > Gbps(25) && (mode == FecMode::fc || mode == FecMode::rs528)) {
    return error(Code::unsupported, fmt::format("{}: FEC {} is not defined for {} lanes (allowed: none, rs544)",
                                                to_string(port), to_string(mode), to_string(platform_.lane_rate())));
  }
  return backend_.set_fec(port, mode);
}

Status ValidatedDriver::set_loopback(PortId port, LoopbackMode mode) {
  const Capabilities& caps = capabilities();
  if (caps.loopback_modes.empty()) return missing(caps, "loopback");
  CPO_RETURN_IF_ERROR(platform_.port(port).status());
  if (mode != LoopbackMode::none &&
      std::find(caps.loopback_modes.begin(), caps.loopback_modes.end(), mode) == caps.loopback_modes.end()) {
    return error(Code::unsupported,
                 fmt::format("{}: backend {} does not support loopback {} (supported: none, {})", to_string(port),
                             caps.backend, to_string(mode), join(caps.loopback_modes)));
  }
  return backend_.set_loopback(port, mode);
}

Result<PortTelemetry> ValidatedDriver::port_telemetry(PortId port) {
  if (!capabilities().telemetry) return missing(capabilities(), "telemetry");
  CPO_RETURN_IF_ERROR(platform_.port(port).status());
  return backend_.port_telemetry(port);
}

Result<OperState> ValidatedDriver::oper_state(PortId port) {
  if (!capabilities().telemetry) return missing(capabilities(), "telemetry");
  if (port.value() >= platform_.ports().size()) return platform_.port(port).status();
  return backend_.oper_state(port);
}

Result<OperStateProbe> ValidatedDriver::oper_state_probe(PortId port) {
  if (!capabilities().telemetry) return missing(capabilities(), "telemetry");
  if (port.value() >= platform_.ports().size()) return platform_.port(port).status();
  // The port is checked once here; the backend's probe then reads without checks.
  return backend_.oper_state_probe(port);
}

Status ValidatedDriver::set_tx_fir(LaneId lane, const TxFir& taps) {
  const Capabilities& caps = capabilities();
  if (!caps.tx_fir) return missing(caps, "tx-FIR");
  CPO_RETURN_IF_ERROR(platform_.lane(lane).status());
  const TxFirLimits& l = caps.tx_fir_limits;
  CPO_RETURN_IF_ERROR(tap_range(lane, "pre", taps.pre, l.pre_min, l.pre_max));
  CPO_RETURN_IF_ERROR(tap_range(lane, "main", taps.main, l.main_min, l.main_max));
  CPO_RETURN_IF_ERROR(tap_range(lane, "post", taps.post, l.post_min, l.post_max));
  const std::int64_t swing = std::abs(std::int64_t{taps.pre}) + taps.main + std::abs(std::int64_t{taps.post});
  if (l.swing_max > 0 && swing > l.swing_max) {
    return error(Code::out_of_range, fmt::format("{} tx-FIR |pre| + main + |post| = {} exceeds the full swing {}",
                                                 to_string(lane), swing, l.swing_max));
  }
  return backend_.set_tx_fir(lane, taps);
}

Status ValidatedDriver::set_prbs(LaneId lane, const PrbsConfig& config) {
  const Capabilities& caps = capabilities();
  if (caps.prbs_patterns.empty()) return missing(caps, "PRBS");
  CPO_RETURN_IF_ERROR(platform_.lane(lane).status());
  if ((config.generator || config.checker) &&
      std::find(caps.prbs_patterns.begin(), caps.prbs_patterns.end(), config.pattern) == caps.prbs_patterns.end()) {
    return error(Code::unsupported,
                 fmt::format("{}: backend {} does not support PRBS pattern {} (supported: {})", to_string(lane),
                             caps.backend, to_string(config.pattern), join(caps.prbs_patterns)));
  }
  return backend_.set_prbs(lane, config);
}

Result<PrbsStatus> ValidatedDriver::prbs_status(LaneId lane) {
  if (capabilities().prbs_patterns.empty()) return missing(capabilities(), "PRBS");
  CPO_RETURN_IF_ERROR(platform_.lane(lane).status());
  return backend_.prbs_status(lane);
}

Result<LaneTelemetry> ValidatedDriver::lane_telemetry(LaneId lane) {
  if (!capabilities().telemetry) return missing(capabilities(), "telemetry");
  CPO_RETURN_IF_ERROR(platform_.lane(lane).status());
  return backend_.lane_telemetry(lane);
}

Status ValidatedDriver::check_cmis(const CmisAddress& address, std::size_t size, bool write) const {
  const Capabilities& caps = capabilities();
  if (write && !caps.cmis_write) return missing(caps, "CMIS writes");
  if (const auto* oe = std::get_if<OeId>(&address.module)) {
    if (!caps.cmis_oe) return missing(caps, "CMIS access to optical engines");
    auto info = platform_.optical_engine(*oe);
    if (!info) return info.status();
    if (address.bank.value() >= (*info)->banks.size()) {
      return error(Code::out_of_range,
                   fmt::format("{} does not exist ({} has banks 0..{})", to_string(*oe, address.bank), to_string(*oe),
                               (*info)->banks.size() - 1));
    }
  } else {
    ElsId els = std::get<ElsId>(address.module);
    if (!caps.cmis_els) return missing(caps, "CMIS access to ELS modules");
    auto info = platform_.els(els);
    if (!info) return info.status();
    const std::uint32_t banks = (*info)->cmis_banks();
    if (address.bank.value() >= banks) {
      return error(Code::out_of_range, fmt::format("{} bank {} does not exist ({} has banks 0..{})", to_string(els),
                                                   address.bank.value(), to_string(els), banks - 1));
    }
  }
  CPO_RETURN_IF_ERROR(check_cmis_transfer(address, size));
  return ok_status();
}

// The one translation of ELS page numbers for every backend: logical (OIF-ELSFP) pages become
// the pages the profile's modules serve them at; host code is the same on every layout.
Result<CmisAddress> ValidatedDriver::module_address(const CmisAddress& address, bool write) const {
  CmisAddress out = address;
  out.view = CmisPageView::physical;
  const auto* els = std::get_if<ElsId>(&address.module);
  if (address.view == CmisPageView::physical) {
    if (write) {
      return error(Code::invalid_argument,
                   fmt::format("{}: the module page view is read-only (write through the logical page, where the "
                               "laser safety checks apply)",
                               to_string(address)));
    }
    return out;
  }
  // Lower memory (bytes 0..127) is the same for every page.
  if (els == nullptr || address.offset < 128) return out;
  const auto physical = platform_.els_page(address.page);
  if (!physical) {
    const auto holds = platform_.els_logical_page(address.page);
    return error(Code::invalid_argument,
                 fmt::format("{}: profile {} serves ELSFP page {:02X}h at page {:02X}h, so it has no page {:02X}h of "
                             "its own (address page {:02X}h, or the module page view for the raw layout)",
                             to_string(address), platform_.name(), holds.value_or(0), address.page, address.page,
                             holds.value_or(0)));
  }
  out.page = *physical;
  return out;
}

Status ValidatedDriver::read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) {
  CPO_RETURN_IF_ERROR(check_cmis(address, out.size(), false));
  auto module = module_address(address, false);
  if (!module) return module.status();
  return backend_.read_cmis(*module, out);
}

Status ValidatedDriver::write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) {
  CPO_RETURN_IF_ERROR(check_cmis(address, bytes.size(), true));
  auto module = module_address(address, true);
  if (!module) return module.status();
  return backend_.write_cmis(*module, bytes);
}

Status ValidatedDriver::read_telemetry(UnitId unit, UnitTelemetry& out) {
  if (!capabilities().telemetry) return missing(capabilities(), "telemetry");
  CPO_RETURN_IF_ERROR(platform_.unit(unit).status());
  return backend_.read_telemetry(unit, out);
}

Status ValidatedDriver::read_events(std::vector<Event>& out) {
  if (!capabilities().events) return missing(capabilities(), "events");
  const std::size_t first = out.size();
  Status s = backend_.read_events(out);
  // A module reports a flag on the page it serves; subscribers see the logical page, as
  // they would address it.
  if (!platform_.els_page_map().empty()) {
    for (std::size_t i = first; i < out.size(); ++i) {
      auto* flag = std::get_if<CmisFlag>(&out[i].payload);
      if (flag == nullptr || !std::holds_alternative<ElsId>(flag->module)) continue;
      flag->page = platform_.els_logical_page(flag->page).value_or(flag->page);
    }
  }
  return s;
}

Status ValidatedDriver::reset_unit(UnitId unit) {
  if (!capabilities().unit_reset) return missing(capabilities(), "unit reset");
  CPO_RETURN_IF_ERROR(platform_.unit(unit).status());
  return backend_.reset_unit(unit);
}

}  // namespace cpo
