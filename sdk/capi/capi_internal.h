// Private to sdk/capi: the handles behind cpo/cpo.h and the conversions between its C types
// and the facade's C++ types. Every exported function runs its body through guarded(), so no
// exception leaves the library and every failure lands in cpo_last_error().
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/cpo.h"
#include "cpo/sdk/switch.h"

struct cpo_switch {
  std::shared_ptr<cpo::Switch> sw;
  std::vector<std::string> mode_names;  // Platform::breakout_modes() spelled, by index
};

struct cpo_snapshot {
  cpo::sdk::Snapshot snap;
  std::vector<cpo_unit_values> units;
  std::vector<cpo_port_values> ports;
  std::vector<cpo_logical_port_values> logical_ports;
  std::vector<cpo_lane_values> lanes;
  std::vector<cpo_oe_values> oes;
  std::vector<cpo_els_values> els;
  std::vector<cpo_laser_values> lasers;
  std::vector<cpo_energy_values> energy;
  std::string text;  // the last rendering (cpo_snapshot_json, cpo_snapshot_prometheus)
};

struct cpo_subscription {
  std::shared_ptr<cpo::Switch> sw;  // declared first: outlives the subscription below
  cpo::sdk::Subscription sub;
  std::vector<cpo::Event> buffer;
};

namespace cpo::capi {

// Records `status` as this thread's last error (when it is not ok) and returns its code.
cpo_status finish(const Status& status) noexcept;

// Runs `body` (returning a cpo::Status), turning any exception into CPO_ERR_INTERNAL.
template <typename Body>
cpo_status guarded(const char* function, Body&& body) noexcept {
  try {
    return finish(body());
  } catch (const std::bad_alloc&) {
    return finish(Status(Code::internal, std::string(function) + ": out of memory"));
  } catch (const std::exception& e) {
    return finish(Status(Code::internal, std::string(function) + ": unexpected exception: " + e.what()));
  } catch (...) {
    return finish(Status(Code::internal, std::string(function) + ": unexpected exception"));
  }
}

// invalid_argument "FUNCTION: NAME is NULL (WHAT)".
Status null_argument(const char* function, const char* name, const char* what);
// invalid_argument "FUNCTION: NAME N is not a TYPE (allowed: 0 a, 1 b, ...)" with the names.
Status bad_enum(const char* function, const char* name, long long value, const char* type,
                std::span<const std::string_view> names);

#define CPO_CAPI_REQUIRE(ptr, function, what)                                      \
  do {                                                                             \
    if ((ptr) == nullptr) return ::cpo::capi::null_argument(function, #ptr, what); \
  } while (false)

// A C enum value checked against the C++ enum E of `count` values named by to_string.
template <typename E, std::size_t N>
Result<E> checked_enum(const char* function, const char* name, long long value, const char* type, const E (&all)[N]) {
  if (value >= 0 && static_cast<unsigned long long>(value) < N) return all[static_cast<std::size_t>(value)];
  std::vector<std::string_view> names;
  for (E e : all) names.push_back(to_string(e));
  return bad_enum(function, name, value, type, names);
}

// --- conversions ----------------------------------------------------------------------------

template <typename E>
std::uint32_t flag_bits(FlagSet<E> flags) noexcept {
  std::uint32_t bits = 0;
  flags.for_each([&](E f) { bits |= 1u << static_cast<unsigned>(f); });
  return bits;
}

cpo_object to_c(const sdk::ObjectRef& ref);
cpo_object to_c(const EventObject& object);
cpo_object to_c(const ModuleRef& module);
// The facade's object for a C one. Errors: invalid_argument for an unknown kind or NONE.
Result<sdk::ObjectRef> from_c(const cpo_object& object, const char* function, const char* name);
inline cpo_laser to_c(const LaserRef& l) noexcept { return cpo_laser{l.els.value(), l.index}; }
inline LaserRef from_c(cpo_laser l) noexcept { return LaserRef{ElsId(l.els), l.index}; }
inline cpo_logical_port to_c(const LogicalPort& p) noexcept { return cpo_logical_port{p.port.value(), p.subport}; }

void to_c(const PortTelemetry& in, std::uint32_t unit, cpo_port_values& out) noexcept;
void to_c(const LaneTelemetry& in, cpo_lane_values& out) noexcept;
void to_c(const OeTelemetry& in, std::uint32_t unit, cpo_oe_values& out) noexcept;
void to_c(const ElsTelemetry& in, std::uint32_t unit, cpo_els_values& out) noexcept;
void to_c(const LaserTelemetry& in, std::uint32_t unit, cpo_laser_values& out) noexcept;
void to_c(const sdk::FiberCheck& in, cpo_fiber_check& out) noexcept;
void to_c(const Event& in, cpo_event& out);
// The facade's event for a C one. Errors: invalid_argument for values outside their enums.
Result<Event> from_c(const cpo_event& in);

// Copies `items` into the caller's array (count protocol of cpo_resolve_list).
template <typename T>
void copy_out(std::span<const T> items, T* out, std::size_t capacity, std::size_t* count) noexcept {
  const std::size_t n = items.size() < capacity ? items.size() : capacity;
  if (out != nullptr)
    for (std::size_t i = 0; i < n; ++i) out[i] = items[i];
  *count = items.size();
}

// A milliwatt, milliamp or dB argument: finite and not negative. Errors: invalid_argument
// "FUNCTION: NAME VALUE is not a finite, non-negative number of UNIT".
Status check_quantity(const char* function, const char* name, double value, const char* unit);

// The ramp options for a C ramp; `stop` cancels when the progress callback returns nonzero.
Result<sdk::RampOptions> ramp_from_c(const char* function, const cpo_ramp_options* ramp, std::stop_source& stop);

}  // namespace cpo::capi
