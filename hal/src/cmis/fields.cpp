// The CMIS field table (fields.h): the list, the host-writable lookup and the field accessors.
#include "cpo/hal/cmis/fields.h"

#include <array>

#include <fmt/format.h>

namespace cpo::cmis {

namespace {
namespace f = field;
constexpr std::array kFields{
    f::kModuleState,
    f::kModuleStateChangedFlag,
    f::kTemperatureFlags,
    f::kVccFlags,
    f::kTemperature,
    f::kVcc,
    f::kModuleControl,
    f::kLowPwrRequestSW,
    f::kSoftwareReset,
    f::kModuleMasks,
    f::kMediaType,
    f::kLaneControls,
    f::kDataPathDeinit,
    f::kOutputDisableTx,
    f::kOutputDisableRx,
    f::kApplyDpInit,
    f::kApplyImmediate,
    f::kStagedConfig,
    f::kDataPathState,
    f::kDataPathStateChanged,
    f::kTxFault,
    f::kTxLos,
    f::kTxPowerFlags,
    f::kTxBiasFlags,
    f::kRxLos,
    f::kRxCdrLol,
    f::kRxPowerFlags,
    f::kTxPower,
    f::kTxBias,
    f::kRxPower,
    f::kDataPathInitPending,
    f::kElsMaxPower,
    f::kElsMinPower,
    f::kElsMaxBias,
    f::kElsMinBias,
    f::kElsControlMode,
    f::kElsLaneCount,
    f::kElsLaneFaultFlags,
    f::kElsSaveRestore,
    f::kElsBiasFlags,
    f::kElsPowerFlags,
    f::kElsMasks,
    f::kElsFaultCode,
    f::kElsLaneEnable,
    f::kElsLaneState,
    f::kElsFiberChecked,
    f::kElsBiasSetpoint,
    f::kElsPowerSetpoint,
    f::kElsBias,
    f::kElsPower,
    f::kElsVoltage,
    f::kElsIcc,
};

// A field never runs past the end of its half page.
constexpr bool fits_its_page() {
  for (const Field& x : kFields)
    if (x.last_byte() > (x.byte < 128 ? 127U : 255U) || x.mask == 0 || (x.width != 1 && x.width != 2)) return false;
  return true;
}
static_assert(fits_its_page());
}  // namespace

std::span<const Field> fields() noexcept { return kFields; }

bool host_writable(std::uint8_t page, unsigned address) noexcept {
  for (const Field& x : kFields)
    if (x.writable && x.covers(page, address)) return true;
  return false;
}

Status set(PageBytes& p, const Field& f, std::uint32_t value, unsigned index) {
  if (index >= f.count) {
    return error(Code::out_of_range, fmt::format("{}: element {} outside 0..{}", f.name, index, f.count - 1U));
  }
  const unsigned at = f.byte_of(index) % kPageSize;
  if (f.width == 2) {
    if (value > 0xFFFF) return error(Code::out_of_range, fmt::format("{}: {} outside 0..65535", f.name, value));
    p[at] = static_cast<std::uint8_t>(value >> 8);
    p[(at + 1) % kPageSize] = static_cast<std::uint8_t>(value & 0xFF);
    return ok_status();
  }
  const unsigned shift = static_cast<unsigned>(std::countr_zero(static_cast<unsigned>(f.mask)));
  const unsigned max = unsigned{f.mask} >> shift;
  if (value > max) return error(Code::out_of_range, fmt::format("{}: {} outside 0..{}", f.name, value, max));
  p[at] = static_cast<std::uint8_t>((p[at] & ~unsigned{f.mask}) | ((value << shift) & f.mask));
  return ok_status();
}

void copy(const PageBytes& from, PageBytes& to, const Field& f) noexcept {
  for (unsigned i = 0; i < f.count; ++i) (void)set(to, f, get(from, f, i), i);
}

}  // namespace cpo::cmis
