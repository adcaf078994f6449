// Names of the contract's enums and the whole-switch telemetry helper.
#include "cpo/hal/backend/driver.h"

#include <fmt/format.h>

namespace cpo {

Status check_cmis_transfer(const CmisAddress& address, std::size_t size) {
  if (address.offset > 255) {
    return error(Code::out_of_range, fmt::format("{}: offset {} is outside a CMIS page (allowed 0..255)",
                                                 to_string(address), address.offset));
  }
  if (size == 0 || size > kCmisMaxTransfer) {
    return error(Code::invalid_argument,
                 fmt::format("{}: transfer of {} bytes (allowed 1..{})", to_string(address), size, kCmisMaxTransfer));
  }
  // Like ethtool's MODULE_EEPROM_GET: one transfer stays inside the lower memory (0..127)
  // or inside the upper page (128..255).
  const std::size_t half_end = address.offset < 128 ? 128 : 256;
  if (address.offset + size > half_end) {
    return error(Code::invalid_argument,
                 fmt::format("{}: {} bytes would cross byte {} (a transfer stays within bytes {}..{})",
                             to_string(address), size, half_end, half_end - 128, half_end - 1));
  }
  return ok_status();
}

std::string_view to_string(AdminState state) noexcept {
  switch (state) {
    case AdminState::down: return "down";
    case AdminState::up: return "up";
  }
  return "unknown";
}

std::string_view to_string(OperState state) noexcept {
  switch (state) {
    case OperState::down: return "down";
    case OperState::up: return "up";
  }
  return "unknown";
}

std::string_view to_string(LinkCause cause) noexcept {
  switch (cause) {
    case LinkCause::none: return "none";
    case LinkCause::admin_down: return "admin_down";
    case LinkCause::rx_los: return "rx_los";
    case LinkCause::high_ber: return "high_ber";
    case LinkCause::laser_fault: return "laser_fault";
    case LinkCause::oe_fault: return "oe_fault";
    case LinkCause::thermal_shutdown: return "thermal_shutdown";
    case LinkCause::reconfigured: return "reconfigured";
    case LinkCause::prbs: return "prbs";
    case LinkCause::unit_reset: return "unit_reset";
    case LinkCause::data_path_inactive: return "data_path_inactive";
    case LinkCause::els_removed: return "els_removed";
  }
  return "unknown";
}

std::string_view to_string(LoopbackMode mode) noexcept {
  switch (mode) {
    case LoopbackMode::none: return "none";
    case LoopbackMode::phy_near_end: return "phy_near_end";
    case LoopbackMode::phy_far_end: return "phy_far_end";
  }
  return "unknown";
}

std::string_view to_string(PrbsPattern pattern) noexcept {
  switch (pattern) {
    case PrbsPattern::prbs7: return "prbs7";
    case PrbsPattern::prbs9: return "prbs9";
    case PrbsPattern::prbs13q: return "prbs13q";
    case PrbsPattern::prbs15: return "prbs15";
    case PrbsPattern::prbs23: return "prbs23";
    case PrbsPattern::prbs31: return "prbs31";
    case PrbsPattern::prbs31q: return "prbs31q";
  }
  return "unknown";
}

std::string_view to_string(LaserState state) noexcept {
  switch (state) {
    case LaserState::off: return "off";
    case LaserState::ramping: return "ramping";
    case LaserState::on: return "on";
    case LaserState::fault: return "fault";
    case LaserState::absent: return "absent";
  }
  return "unknown";
}

std::string to_string(const CmisAddress& address) {
  std::string module = std::visit(
      [&](const auto& m) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, OeId>) {
          return to_string(m, address.bank);
        } else {
          return to_string(m);
        }
      },
      address.module);
  const bool module_page = address.view == CmisPageView::physical && std::holds_alternative<ElsId>(address.module);
  return fmt::format("{} {}page {:02X}h byte {}", module, module_page ? "module " : "", address.page, address.offset);
}

Status read_all_telemetry(Driver& driver, std::size_t unit_count, Telemetry& out) {
  out.units.resize(unit_count);
  for (std::size_t i = 0; i < unit_count; ++i) {
    UnitId unit(static_cast<UnitId::value_type>(i));
    Status status = driver.read_telemetry(unit, out.units[i]);
    if (!status.ok()) return status.with_context("telemetry of " + to_string(unit));
  }
  return ok_status();
}

}  // namespace cpo
