// cpo/cpo.h: errors, versions, objects, open, platform, ports, breakout, lanes, CMIS, time and
// the simulator's back door.
#include <array>
#include <cstdlib>
#include <string>
#include <variant>

#include "capi_internal.h"
#include "cpo/sdk/exit_codes.h"

#ifndef CPOSDK_VERSION
#error "CPOSDK_VERSION must be defined by the build"
#endif

namespace cpo::capi {
namespace {

// The C codes are cpo::Code's numbers.
static_assert(CPO_OK == static_cast<int>(Code::ok));
static_assert(CPO_ERR_INVALID_ARGUMENT == static_cast<int>(Code::invalid_argument));
static_assert(CPO_ERR_OUT_OF_RANGE == static_cast<int>(Code::out_of_range));
static_assert(CPO_ERR_NOT_FOUND == static_cast<int>(Code::not_found));
static_assert(CPO_ERR_ALREADY_EXISTS == static_cast<int>(Code::already_exists));
static_assert(CPO_ERR_FAILED_PRECONDITION == static_cast<int>(Code::failed_precondition));
static_assert(CPO_ERR_UNSUPPORTED == static_cast<int>(Code::unsupported));
static_assert(CPO_ERR_SAFETY_REFUSED == static_cast<int>(Code::safety_refused));
static_assert(CPO_ERR_DEVICE_ERROR == static_cast<int>(Code::device_error));
static_assert(CPO_ERR_TIMEOUT == static_cast<int>(Code::timeout));
static_assert(CPO_ERR_DEVICE_GONE == static_cast<int>(Code::device_gone));
static_assert(CPO_ERR_IO_ERROR == static_cast<int>(Code::io_error));
static_assert(CPO_ERR_INTERNAL == static_cast<int>(Code::internal));
static_assert(std::size(kAllCodes) == CPO_ERR_INTERNAL + 1);

struct LastError {
  std::string message;
  cpo_status code = CPO_OK;
};
thread_local LastError last_error;

constexpr AdminState kAdminStates[] = {AdminState::down, AdminState::up};
constexpr FecMode kFecModes[] = {FecMode::none, FecMode::fc, FecMode::rs528, FecMode::rs544};
constexpr PrbsPattern kPrbsPatterns[] = {PrbsPattern::prbs7,  PrbsPattern::prbs9,  PrbsPattern::prbs13q,
                                         PrbsPattern::prbs15, PrbsPattern::prbs23, PrbsPattern::prbs31,
                                         PrbsPattern::prbs31q};

bool is_code(int code) noexcept { return code >= CPO_OK && code <= CPO_ERR_INTERNAL; }

Status unsupported_sim(const cpo_switch* sw, const char* function) {
  return Status(Code::unsupported, std::string(function) + ": " + sw->sw->uri() +
                                       " is not simulated (fault injection needs a sim:// switch)");
}

// The simulator of `sw`, or the error to return.
Result<sdk::SimulatorControl*> sim_of(cpo_switch* sw, const char* function) {
  if (sw == nullptr) return null_argument(function, "sw", "an open switch");
  auto* sim = sw->sw->simulator();
  if (sim == nullptr) return unsupported_sim(sw, function);
  return sim;
}

template <typename Fn>
cpo_status with_sim(cpo_switch* sw, const char* function, Fn&& fn) noexcept {
  return guarded(function, [&]() -> Status {
    auto sim = sim_of(sw, function);
    if (!sim) return sim.status();
    return fn(**sim);
  });
}

Result<CmisAddress> cmis_address(const cpo_object& module, std::uint8_t page, std::uint16_t offset,
                                 const char* function) {
  CmisAddress a;
  a.page = page;
  a.offset = offset;
  switch (module.kind) {
    case CPO_OBJECT_OE: a.module = OeId(module.id); break;
    case CPO_OBJECT_BANK:
      a.module = OeId(module.id);
      a.bank = BankId(module.sub);
      break;
    case CPO_OBJECT_ELS: a.module = ElsId(module.id); break;
    default:
      return Status(Code::invalid_argument,
                    std::string(function) + ": module kind " + std::to_string(static_cast<int>(module.kind)) +
                        " is not a CMIS module (allowed: CPO_OBJECT_OE, CPO_OBJECT_BANK, CPO_OBJECT_ELS)");
  }
  return a;
}

}  // namespace

cpo_status finish(const Status& status) noexcept {
  if (status.ok()) return CPO_OK;
  try {
    last_error.message = status.to_string();
  } catch (...) {
    last_error.message.clear();  // out of memory: keep the code at least
  }
  last_error.code = static_cast<cpo_status>(status.code());
  return last_error.code;
}

Status null_argument(const char* function, const char* name, const char* what) {
  return Status(Code::invalid_argument, std::string(function) + ": " + name + " is NULL (" + what + " is required)");
}

Status bad_enum(const char* function, const char* name, long long value, const char* type,
                std::span<const std::string_view> names) {
  std::string allowed;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) allowed += ", ";
    allowed += std::to_string(i) + " " + std::string(names[i]);
  }
  return Status(Code::invalid_argument, std::string(function) + ": " + name + " " + std::to_string(value) +
                                            " is not a " + type + " (allowed: " + allowed + ")");
}

Status check_quantity(const char* function, const char* name, double value, const char* unit) {
  if (std::isfinite(value) && value >= 0.0) return ok_status();
  return Status(Code::invalid_argument, std::string(function) + ": " + name + " " + std::to_string(value) +
                                            " is not a finite, non-negative number of " + unit);
}

cpo_object to_c(const sdk::ObjectRef& ref) {
  return std::visit(
      [](const auto& v) -> cpo_object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, PortId>) return {CPO_OBJECT_PORT, v.value(), 0};
        if constexpr (std::is_same_v<T, LogicalPort>) return {CPO_OBJECT_SUBPORT, v.port.value(), v.subport};
        if constexpr (std::is_same_v<T, LaneId>) return {CPO_OBJECT_LANE, v.value(), 0};
        if constexpr (std::is_same_v<T, OeId>) return {CPO_OBJECT_OE, v.value(), 0};
        if constexpr (std::is_same_v<T, OeBank>) return {CPO_OBJECT_BANK, v.oe.value(), v.bank.value()};
        if constexpr (std::is_same_v<T, ElsId>) return {CPO_OBJECT_ELS, v.value(), 0};
        if constexpr (std::is_same_v<T, LaserRef>) return {CPO_OBJECT_LASER, v.els.value(), v.index};
        if constexpr (std::is_same_v<T, UnitId>) return {CPO_OBJECT_UNIT, v.value(), 0};
      },
      ref);
}

cpo_object to_c(const EventObject& object) {
  if (std::holds_alternative<std::monostate>(object)) return {CPO_OBJECT_NONE, 0, 0};
  return std::visit(
      [](const auto& v) -> cpo_object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {CPO_OBJECT_NONE, 0, 0};
        } else {
          return to_c(sdk::ObjectRef(v));
        }
      },
      object);
}

cpo_object to_c(const ModuleRef& module) {
  if (const auto* oe = std::get_if<OeId>(&module)) return {CPO_OBJECT_OE, oe->value(), 0};
  return {CPO_OBJECT_ELS, std::get<ElsId>(module).value(), 0};
}

Result<sdk::ObjectRef> from_c(const cpo_object& o, const char* function, const char* name) {
  switch (o.kind) {
    case CPO_OBJECT_UNIT: return sdk::ObjectRef(UnitId(o.id));
    case CPO_OBJECT_PORT: return sdk::ObjectRef(PortId(o.id));
    case CPO_OBJECT_SUBPORT: return sdk::ObjectRef(LogicalPort{PortId(o.id), o.sub});
    case CPO_OBJECT_LANE: return sdk::ObjectRef(LaneId(o.id));
    case CPO_OBJECT_OE: return sdk::ObjectRef(OeId(o.id));
    case CPO_OBJECT_BANK: return sdk::ObjectRef(OeBank{OeId(o.id), BankId(o.sub)});
    case CPO_OBJECT_ELS: return sdk::ObjectRef(ElsId(o.id));
    case CPO_OBJECT_LASER: return sdk::ObjectRef(LaserRef{ElsId(o.id), o.sub});
    case CPO_OBJECT_NONE:
    case CPO_OBJECT_KIND_MAX_ENUM: break;
  }
  return Status(Code::invalid_argument, std::string(function) + ": " + name + " kind " +
                                            std::to_string(static_cast<int>(o.kind)) +
                                            " is not an object (allowed: 1 unit, 2 port, 3 sub-port, 4 lane, 5 oe, "
                                            "6 bank, 7 els, 8 laser)");
}

void to_c(const PortTelemetry& in, std::uint32_t unit, cpo_port_values& out) noexcept {
  out.port = in.port.value();
  out.unit = unit;
  out.subports = in.subports;
  out.breakout = in.breakout;
  out.subport_speed_gbps = in.subport_speed.value();
  out.admin_mask = in.admin_mask;
  out.oper_mask = in.oper_mask;
  out.fec = static_cast<cpo_fec_mode>(in.fec);
  out.loopback = static_cast<cpo_loopback>(in.loopback);
  out.faults = flag_bits(in.faults);
  out.down_cause = static_cast<cpo_link_cause>(in.down_cause);
  out.link_downs = in.link_downs;
  out.link_ups = in.link_ups;
  out.fec_corrected = in.fec_corrected;
  out.fec_uncorrected = in.fec_uncorrected;
}

void to_c(const LaneTelemetry& in, cpo_lane_values& out) noexcept {
  out.lane = in.lane.value();
  out.pre_fec_ber = in.pre_fec_ber;
  out.snr_db = in.snr.value();
  out.rx_power_mw = in.rx_power.value();
  out.tx_power_mw = in.tx_power.value();
  out.laser_input_power_mw = in.laser_input_power.value();
  out.tx_fir_pre = in.tx_fir.pre;
  out.tx_fir_main = in.tx_fir.main;
  out.tx_fir_post = in.tx_fir.post;
  out.prbs_pattern = static_cast<cpo_prbs_pattern>(in.prbs.pattern);
  out.prbs_generator = in.prbs.generator ? 1 : 0;
  out.prbs_checker = in.prbs.checker ? 1 : 0;
  out.prbs_lock = in.prbs_lock ? 1 : 0;
  out.signal_detect = in.signal_detect ? 1 : 0;
  out.cdr_lock = in.cdr_lock ? 1 : 0;
  out.tx_enabled = in.tx_enabled ? 1 : 0;
  out.prbs_errors = in.prbs_errors;
  out.prbs_bits = in.prbs_bits;
  out.fec_corrected = in.fec_corrected;
  out.fec_uncorrected = in.fec_uncorrected;
  out.data_path_state = static_cast<cpo_data_path_state>(in.data_path_state);
}

// The C enums are the C++ enums' numbers (checked once here for every enum of the header).
static_assert(CPO_FEC_RS544 == static_cast<int>(FecMode::rs544));
static_assert(CPO_LOOPBACK_PHY_FAR_END == static_cast<int>(LoopbackMode::phy_far_end));
static_assert(CPO_PRBS31Q == static_cast<int>(PrbsPattern::prbs31q));
static_assert(CPO_CAUSE_ELS_REMOVED == static_cast<int>(LinkCause::els_removed));
static_assert(CPO_CAUSE_DATA_PATH_INACTIVE == static_cast<int>(LinkCause::data_path_inactive));
static_assert(CPO_LASER_ABSENT == static_cast<int>(LaserState::absent));
static_assert(CPO_LASER_FAULT_VENDOR == static_cast<int>(LaserFaultCode::vendor));
static_assert(CPO_LASER_FAULT_INTERLOCK_OPEN == static_cast<int>(LaserFaultCode::interlock_open));
static_assert(CPO_CONTROL_ACC == static_cast<int>(cmis::ElsControlMode::acc));
static_assert(CPO_CONTROL_APC == static_cast<int>(cmis::ElsControlMode::apc));
static_assert(CPO_MODULE_FAULT == static_cast<int>(cmis::ModuleState::fault));
static_assert(CPO_DATA_PATH_INITIALIZED == static_cast<int>(cmis::DataPathState::initialized));
static_assert(CPO_FIBER_EXCESS_LOSS == static_cast<int>(sdk::FiberVerdict::excess_loss));
static_assert(CPO_FIBER_INTERLOCK_OPEN == static_cast<int>(sdk::FiberVerdict::interlock_open));
static_assert(CPO_PHASE_DONE == static_cast<int>(sdk::LaserPhase::done));
static_assert(CPO_SWAP_RESTORE_ADMIN == static_cast<int>(SwapStep::restore_admin));
static_assert(CPO_MEASURE_SNR == static_cast<int>(Measure::snr));
static_assert(CPO_THRESHOLD_ALARM == static_cast<int>(ThresholdLevel::alarm));
static_assert(CPO_THRESHOLD_LOW == static_cast<int>(ThresholdBound::low));
static_assert(CPO_EVENT_ELS_SWAP == static_cast<int>(EventType::els_swap));
static_assert(CPO_EVENT_TYPE_COUNT == std::size(kAllEventTypes));
static_assert(CPO_PORT_FAULT_DATA_PATH_INACTIVE == 1u << static_cast<unsigned>(PortFault::data_path_inactive));
static_assert(CPO_MODULE_VCC_LOW_WARNING == 1u << static_cast<unsigned>(ModuleThreshold::vcc_low_warning));
static_assert(CPO_OE_FAULT_NO_LIGHT == 1u << static_cast<unsigned>(OeFault::no_light));
static_assert(CPO_LASER_FLAG_TEMP_HIGH_ALARM == 1u << static_cast<unsigned>(LaserFlag::temp_high_alarm));
static_assert(CPO_UNIT_FLAG_THERMAL_SHUTDOWN == 1u << static_cast<unsigned>(UnitFlag::thermal_shutdown));
static_assert(CPO_ELS_FAULT_INTERLOCK_OPEN == 1u << static_cast<unsigned>(ElsFault::interlock_open));

}  // namespace cpo::capi

using namespace cpo::capi;  // NOLINT(google-build-using-namespace): the C entry points below

extern "C" {

// ----------------------------------------------------------------------- versions and errors

const char* cpo_version(void) { return CPOSDK_VERSION; }
int cpo_abi_version(void) { return CPO_ABI_VERSION; }

const char* cpo_status_name(int code) {
  if (!is_code(code)) return "unknown";
  return cpo::to_string(static_cast<cpo::Code>(code)).data();  // the names are literals
}

int cpo_exit_code(int code) {
  if (!is_code(code)) return static_cast<int>(cpo::sdk::ExitCode::device_error);
  return static_cast<int>(cpo::sdk::exit_code_for(static_cast<cpo::Code>(code)));
}

const char* cpo_last_error(void) { return last_error.message.c_str(); }
cpo_status cpo_last_error_code(void) { return last_error.code; }

void cpo_free(void* pointer) { std::free(pointer); }  // NOLINT(cppcoreguidelines-no-malloc)

// ----------------------------------------------------------------------------------- objects

cpo_status cpo_resolve(cpo_switch* sw, const char* text, cpo_object* out) {
  return guarded("cpo_resolve", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_resolve", "an open switch");
    CPO_CAPI_REQUIRE(text, "cpo_resolve", "the text to parse");
    CPO_CAPI_REQUIRE(out, "cpo_resolve", "a cpo_object to fill");
    auto ref = sw->sw->resolve(text);
    if (!ref) return ref.status();
    *out = to_c(*ref);
    return cpo::ok_status();
  });
}

cpo_status cpo_resolve_list(cpo_switch* sw, const char* text, cpo_object* out, size_t capacity, size_t* count) {
  return guarded("cpo_resolve_list", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_resolve_list", "an open switch");
    CPO_CAPI_REQUIRE(text, "cpo_resolve_list", "the list to parse");
    CPO_CAPI_REQUIRE(count, "cpo_resolve_list", "a size_t for the count");
    if (out == nullptr && capacity != 0) return null_argument("cpo_resolve_list", "out", "an array of capacity");
    auto refs = sw->sw->resolve_all(text);
    if (!refs) return refs.status();
    std::vector<cpo_object> objects;
    for (const auto& r : *refs) objects.push_back(to_c(r));
    copy_out<cpo_object>(objects, out, capacity, count);
    return cpo::ok_status();
  });
}

cpo_status cpo_object_format(const cpo_object* object, char* buffer, size_t capacity) {
  return guarded("cpo_object_format", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(object, "cpo_object_format", "a cpo_object");
    CPO_CAPI_REQUIRE(buffer, "cpo_object_format", "a buffer");
    auto ref = from_c(*object, "cpo_object_format", "object");
    if (!ref) return ref.status();
    const std::string text = cpo::sdk::format_object(*ref);
    if (text.size() + 1 > capacity)
      return cpo::Status(cpo::Code::out_of_range, "cpo_object_format: '" + text + "' needs " +
                                                      std::to_string(text.size() + 1) + " bytes, capacity is " +
                                                      std::to_string(capacity));
    std::memcpy(buffer, text.c_str(), text.size() + 1);
    return cpo::ok_status();
  });
}

// ---------------------------------------------------------------------- open and platform

cpo_status cpo_open(const char* uri, cpo_switch** out) {
  return guarded("cpo_open", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(uri, "cpo_open", "a switch URI such as sim://cpo144");
    CPO_CAPI_REQUIRE(out, "cpo_open", "a cpo_switch* to fill");
    *out = nullptr;
    auto opened = cpo::Switch::open(uri);
    if (!opened) return opened.status();
    auto handle = std::make_unique<cpo_switch>();
    handle->sw = std::shared_ptr<cpo::Switch>(std::move(opened).value());
    for (const auto& mode : handle->sw->platform().breakout_modes()) handle->mode_names.push_back(mode.to_string());
    *out = handle.release();
    return cpo::ok_status();
  });
}

void cpo_close(cpo_switch* sw) {
  try {
    delete sw;     // NOLINT(cppcoreguidelines-owning-memory): the handle cpo_open made
  } catch (...) {  // a destructor does not throw; nothing escapes even so
  }
}

cpo_status cpo_platform(const cpo_switch* sw, cpo_platform_info* out) {
  return guarded("cpo_platform", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_platform", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_platform", "a cpo_platform_info to fill");
    const cpo::Platform& p = sw->sw->platform();
    cpo_platform_info info{};
    info.name = p.name().c_str();
    info.uri = sw->sw->uri().c_str();
    info.units = static_cast<uint32_t>(p.units().size());
    info.ports = static_cast<uint32_t>(p.ports().size());
    info.lanes = static_cast<uint32_t>(p.lanes().size());
    info.oes = static_cast<uint32_t>(p.optical_engines().size());
    info.banks = static_cast<uint32_t>(p.bank_count());
    info.els = static_cast<uint32_t>(p.els_modules().size());
    info.lasers = static_cast<uint32_t>(p.laser_count());
    info.port_speed_gbps = p.port_speed().value();
    info.lane_rate_gbps = p.lane_rate().value();
    info.lanes_per_bank = p.lanes_per_bank();
    info.breakout_modes = static_cast<uint32_t>(sw->mode_names.size());
    info.laser_class_limit_mw = p.laser_class_limit() ? p.laser_class_limit()->value() : 0.0;
    info.simulated = sw->sw->simulator() != nullptr ? 1 : 0;  // shared_ptr: the switch is not const
    *out = info;
    return cpo::ok_status();
  });
}

const char* cpo_breakout_mode_name(const cpo_switch* sw, uint32_t index) {
  const char* name = nullptr;
  (void)guarded("cpo_breakout_mode_name", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_breakout_mode_name", "an open switch");
    if (index >= sw->mode_names.size())
      return cpo::Status(cpo::Code::out_of_range, "cpo_breakout_mode_name: mode " + std::to_string(index) +
                                                      " does not exist (allowed 0.." +
                                                      std::to_string(sw->mode_names.size() - 1) + ")");
    name = sw->mode_names[index].c_str();
    return cpo::ok_status();
  });
  return name;
}

cpo_status cpo_lane_info_get(const cpo_switch* sw, uint32_t lane, cpo_lane_info* out) {
  return guarded("cpo_lane_info_get", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_lane_info_get", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_lane_info_get", "a cpo_lane_info to fill");
    auto info = sw->sw->platform().lane(cpo::LaneId(lane));
    if (!info) return info.status();
    const cpo::LaneInfo& l = **info;
    *out = cpo_lane_info{l.id.value(), l.port.value(), l.index_in_port, l.unit.value(),
                         l.oe.value(), l.bank.value(), l.index_in_bank, to_c(l.laser)};
    return cpo::ok_status();
  });
}

cpo_status cpo_port_lanes(const cpo_switch* sw, uint32_t port, uint32_t* out, size_t capacity, size_t* count) {
  return guarded("cpo_port_lanes", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_port_lanes", "an open switch");
    CPO_CAPI_REQUIRE(count, "cpo_port_lanes", "a size_t for the count");
    if (out == nullptr && capacity != 0) return null_argument("cpo_port_lanes", "out", "an array of capacity");
    auto info = sw->sw->platform().port(cpo::PortId(port));
    if (!info) return info.status();
    std::vector<uint32_t> lanes;
    for (cpo::LaneId l : (*info)->lanes) lanes.push_back(l.value());
    copy_out<uint32_t>(lanes, out, capacity, count);
    return cpo::ok_status();
  });
}

cpo_status cpo_impacted_ports(cpo_switch* sw, const cpo_object* object, cpo_logical_port* out, size_t capacity,
                              size_t* count) {
  return guarded("cpo_impacted_ports", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_impacted_ports", "an open switch");
    CPO_CAPI_REQUIRE(object, "cpo_impacted_ports", "a laser, ELS or OE");
    CPO_CAPI_REQUIRE(count, "cpo_impacted_ports", "a size_t for the count");
    if (out == nullptr && capacity != 0) return null_argument("cpo_impacted_ports", "out", "an array of capacity");
    cpo::FailureDomain domain;
    switch (object->kind) {
      case CPO_OBJECT_LASER: domain = cpo::LaserRef{cpo::ElsId(object->id), object->sub}; break;
      case CPO_OBJECT_ELS: domain = cpo::ElsId(object->id); break;
      case CPO_OBJECT_OE: domain = cpo::OeId(object->id); break;
      default:
        return cpo::Status(cpo::Code::invalid_argument,
                           "cpo_impacted_ports: object kind " + std::to_string(static_cast<int>(object->kind)) +
                               " is not a failure domain (allowed: CPO_OBJECT_LASER, CPO_OBJECT_ELS, CPO_OBJECT_OE)");
    }
    auto map = sw->sw->breakout_map();
    if (!map) return map.status();
    auto ports = sw->sw->platform().impacted_ports(domain, *map);
    if (!ports) return ports.status();
    std::vector<cpo_logical_port> c;
    for (const auto& p : *ports) c.push_back(to_c(p));
    copy_out<cpo_logical_port>(c, out, capacity, count);
    return cpo::ok_status();
  });
}

// ------------------------------------------------------------------------------------ ports

cpo_status cpo_port_show(cpo_switch* sw, uint32_t port, cpo_port_values* out) {
  return guarded("cpo_port_show", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_port_show", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_port_show", "a cpo_port_values to fill");
    auto info = sw->sw->platform().port(cpo::PortId(port));
    if (!info) return info.status();
    auto t = sw->sw->port(cpo::PortId(port));
    if (!t) return t.status();
    to_c(*t, (*info)->unit.value(), *out);
    return cpo::ok_status();
  });
}

cpo_status cpo_port_set_admin(cpo_switch* sw, uint32_t port, cpo_admin_state state) {
  return guarded("cpo_port_set_admin", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_port_set_admin", "an open switch");
    auto s = checked_enum("cpo_port_set_admin", "state", state, "cpo_admin_state", kAdminStates);
    if (!s) return s.status();
    return sw->sw->set_admin(cpo::PortId(port), *s);
  });
}

cpo_status cpo_subport_set_admin(cpo_switch* sw, cpo_logical_port port, cpo_admin_state state) {
  return guarded("cpo_subport_set_admin", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_subport_set_admin", "an open switch");
    auto s = checked_enum("cpo_subport_set_admin", "state", state, "cpo_admin_state", kAdminStates);
    if (!s) return s.status();
    return sw->sw->set_admin(cpo::LogicalPort{cpo::PortId(port.port), port.subport}, *s);
  });
}

cpo_status cpo_port_set_fec(cpo_switch* sw, uint32_t port, cpo_fec_mode fec) {
  return guarded("cpo_port_set_fec", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_port_set_fec", "an open switch");
    auto m = checked_enum("cpo_port_set_fec", "fec", fec, "cpo_fec_mode", kFecModes);
    if (!m) return m.status();
    return sw->sw->set_fec(cpo::PortId(port), *m);
  });
}

// --------------------------------------------------------------------------------- breakout

namespace {
void fill(const cpo::sdk::BreakoutResult& r, cpo_breakout_result* out) {
  if (out == nullptr) return;
  out->changed = static_cast<uint32_t>(r.changes.size());
  out->created = static_cast<uint32_t>(r.created.size());
  out->removed = static_cast<uint32_t>(r.removed.size());
  out->applied = r.applied ? 1 : 0;
}
}  // namespace

cpo_status cpo_breakout(cpo_switch* sw, const cpo_breakout_group* groups, size_t count, int dry_run,
                        cpo_breakout_result* out) {
  return guarded("cpo_breakout", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_breakout", "an open switch");
    if (groups == nullptr && count != 0) return null_argument("cpo_breakout", "groups", "an array of count groups");
    std::vector<cpo::sdk::BreakoutGroupRequest> requests;
    requests.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const std::string where = "cpo_breakout: groups[" + std::to_string(i) + "]";
      if (groups[i].mode == nullptr)
        return cpo::Status(cpo::Code::invalid_argument, where + ".mode is NULL (a mode such as 4x200G is required)");
      auto mode = cpo::BreakoutMode::parse(groups[i].mode);
      if (!mode) return mode.status().with_context(where + ".mode");
      requests.push_back({cpo::PortId(groups[i].port), *mode});
    }
    cpo::sdk::BreakoutOptions options;
    options.dry_run = dry_run != 0;
    auto result = sw->sw->breakout(requests, options);
    if (!result) return result.status();
    fill(*result, out);
    return cpo::ok_status();
  });
}

cpo_status cpo_breakout_ports(cpo_switch* sw, const char* ports, const char* mode, int dry_run,
                              cpo_breakout_result* out) {
  return guarded("cpo_breakout_ports", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_breakout_ports", "an open switch");
    CPO_CAPI_REQUIRE(ports, "cpo_breakout_ports", "a port list such as 0-15");
    CPO_CAPI_REQUIRE(mode, "cpo_breakout_ports", "a mode such as 4x200G");
    cpo::sdk::BreakoutOptions options;
    options.dry_run = dry_run != 0;
    auto result = sw->sw->breakout(std::string_view(ports), std::string_view(mode), options);
    if (!result) return result.status();
    fill(*result, out);
    return cpo::ok_status();
  });
}

// ------------------------------------------------------------------------------------ lanes

cpo_status cpo_lane_show(cpo_switch* sw, uint32_t lane, cpo_lane_values* out) {
  return guarded("cpo_lane_show", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_lane_show", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_lane_show", "a cpo_lane_values to fill");
    auto t = sw->sw->lane(cpo::LaneId(lane));
    if (!t) return t.status();
    to_c(*t, *out);
    return cpo::ok_status();
  });
}

cpo_status cpo_lane_set_tx_fir(cpo_switch* sw, uint32_t lane, int32_t pre, int32_t main_tap, int32_t post) {
  return guarded("cpo_lane_set_tx_fir", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_lane_set_tx_fir", "an open switch");
    return sw->sw->set_tx_fir(cpo::LaneId(lane), cpo::TxFir{pre, main_tap, post});
  });
}

cpo_status cpo_lane_set_prbs(cpo_switch* sw, uint32_t lane, cpo_prbs_pattern pattern, int generator, int checker) {
  return guarded("cpo_lane_set_prbs", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_lane_set_prbs", "an open switch");
    auto p = checked_enum("cpo_lane_set_prbs", "pattern", pattern, "cpo_prbs_pattern", kPrbsPatterns);
    if (!p) return p.status();
    return sw->sw->set_prbs(cpo::LaneId(lane), cpo::PrbsConfig{*p, generator != 0, checker != 0});
  });
}

cpo_status cpo_lane_prbs(cpo_switch* sw, uint32_t lane, cpo_prbs_status* out) {
  return guarded("cpo_lane_prbs", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_lane_prbs", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_lane_prbs", "a cpo_prbs_status to fill");
    auto s = sw->sw->prbs(cpo::LaneId(lane));
    if (!s) return s.status();
    out->pattern = static_cast<cpo_prbs_pattern>(s->config.pattern);
    out->generator = s->config.generator ? 1 : 0;
    out->checker = s->config.checker ? 1 : 0;
    out->locked = s->locked ? 1 : 0;
    out->errors = s->errors;
    out->bits = s->bits;
    return cpo::ok_status();
  });
}

// ------------------------------------------------------------------------------------- CMIS

cpo_status cpo_cmis_read(cpo_switch* sw, cpo_object module, uint8_t page, uint16_t offset, uint8_t* out,
                         size_t length) {
  return guarded("cpo_cmis_read", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_cmis_read", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_cmis_read", "a buffer of length bytes");
    auto a = cmis_address(module, page, offset, "cpo_cmis_read");
    if (!a) return a.status();
    return sw->sw->read_cmis(*a, std::span<std::uint8_t>(out, length));
  });
}

cpo_status cpo_cmis_write(cpo_switch* sw, cpo_object module, uint8_t page, uint16_t offset, const uint8_t* bytes,
                          size_t length) {
  return guarded("cpo_cmis_write", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_cmis_write", "an open switch");
    CPO_CAPI_REQUIRE(bytes, "cpo_cmis_write", "length bytes to write");
    auto a = cmis_address(module, page, offset, "cpo_cmis_write");
    if (!a) return a.status();
    return sw->sw->write_cmis(*a, std::span<const std::uint8_t>(bytes, length));
  });
}

// ------------------------------------------------------------------------- time, simulator

int64_t cpo_now_ns(const cpo_switch* sw) {
  if (sw == nullptr) {
    (void)finish(null_argument("cpo_now_ns", "sw", "an open switch"));
    return -1;
  }
  try {
    return static_cast<int64_t>(sw->sw->now().count());
  } catch (...) {
    (void)finish(cpo::Status(cpo::Code::internal, "cpo_now_ns: unexpected exception"));
    return -1;
  }
}

cpo_status cpo_sleep_ns(cpo_switch* sw, int64_t duration_ns) {
  return guarded("cpo_sleep_ns", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_sleep_ns", "an open switch");
    if (duration_ns < 0)
      return cpo::Status(cpo::Code::invalid_argument, "cpo_sleep_ns: duration " + std::to_string(duration_ns) +
                                                          " ns is negative (allowed: 0 or more)");
    sw->sw->sleep_for(std::chrono::nanoseconds(duration_ns));
    return cpo::ok_status();
  });
}

cpo_status cpo_sim_fail_laser(cpo_switch* sw, cpo_laser laser) {
  return with_sim(sw, "cpo_sim_fail_laser", [&](auto& sim) { return sim.fail_laser(from_c(laser)); });
}
cpo_status cpo_sim_repair_laser(cpo_switch* sw, cpo_laser laser) {
  return with_sim(sw, "cpo_sim_repair_laser", [&](auto& sim) { return sim.repair_laser(from_c(laser)); });
}
cpo_status cpo_sim_set_laser_fiber_loss(cpo_switch* sw, cpo_laser laser, double loss_db) {
  return with_sim(sw, "cpo_sim_set_laser_fiber_loss", [&](auto& sim) -> cpo::Status {
    if (std::isnan(loss_db) || loss_db < 0.0)
      return cpo::Status(cpo::Code::invalid_argument, "cpo_sim_set_laser_fiber_loss: loss " + std::to_string(loss_db) +
                                                          " dB is not a non-negative number (INFINITY disconnects)");
    return sim.set_laser_fiber_loss(from_c(laser), cpo::Decibels(loss_db));
  });
}
cpo_status cpo_sim_remove_els(cpo_switch* sw, uint32_t els) {
  return with_sim(sw, "cpo_sim_remove_els", [&](auto& sim) { return sim.remove_els(cpo::ElsId(els)); });
}
cpo_status cpo_sim_insert_els(cpo_switch* sw, uint32_t els) {
  return with_sim(sw, "cpo_sim_insert_els", [&](auto& sim) { return sim.insert_els(cpo::ElsId(els)); });
}
cpo_status cpo_sim_open_interlock(cpo_switch* sw, uint32_t els) {
  return with_sim(sw, "cpo_sim_open_interlock", [&](auto& sim) { return sim.open_interlock(cpo::ElsId(els)); });
}
cpo_status cpo_sim_close_interlock(cpo_switch* sw, uint32_t els) {
  return with_sim(sw, "cpo_sim_close_interlock", [&](auto& sim) { return sim.close_interlock(cpo::ElsId(els)); });
}
cpo_status cpo_sim_cut_port_fiber(cpo_switch* sw, uint32_t port, int lane_in_port) {
  return with_sim(sw, "cpo_sim_cut_port_fiber", [&](auto& sim) {
    return sim.cut_port_fiber(cpo::PortId(port), lane_in_port < 0 ? -1 : lane_in_port);
  });
}
cpo_status cpo_sim_fail_oe(cpo_switch* sw, uint32_t oe) {
  return with_sim(sw, "cpo_sim_fail_oe", [&](auto& sim) { return sim.fail_oe(cpo::OeId(oe)); });
}
cpo_status cpo_sim_repair_oe(cpo_switch* sw, uint32_t oe) {
  return with_sim(sw, "cpo_sim_repair_oe", [&](auto& sim) { return sim.repair_oe(cpo::OeId(oe)); });
}
cpo_status cpo_sim_degrade_lane(cpo_switch* sw, uint32_t lane, double snr_penalty_db) {
  return with_sim(sw, "cpo_sim_degrade_lane", [&](auto& sim) -> cpo::Status {
    CPO_RETURN_IF_ERROR(check_quantity("cpo_sim_degrade_lane", "snr_penalty_db", snr_penalty_db, "dB"));
    return sim.degrade_lane(cpo::LaneId(lane), cpo::Decibels(snr_penalty_db));
  });
}
cpo_status cpo_sim_device_writes(cpo_switch* sw, uint64_t* out) {
  return with_sim(sw, "cpo_sim_device_writes", [&](auto& sim) -> cpo::Status {
    CPO_CAPI_REQUIRE(out, "cpo_sim_device_writes", "a uint64_t to fill");
    auto n = sim.device_writes();
    if (!n) return n.status();
    *out = *n;
    return cpo::ok_status();
  });
}

}  // extern "C"
