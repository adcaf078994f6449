// cpo/cpo.h: event subscriptions through an eventfd, and the typed C events (a tagged union
// mirroring cpo::EventPayload) converted both ways.
#include <string>
#include <variant>

#include "capi_internal.h"

namespace cpo::capi {
namespace {

template <typename E, std::size_t N>
Result<E> enum_of(long long value, const char* name, const E (&all)[N], const char* type) {
  return checked_enum("cpo_event_format", name, value, type, all);
}

constexpr OperState kOperStates[] = {OperState::down, OperState::up};
constexpr LinkCause kLinkCauses[] = {LinkCause::none,
                                     LinkCause::admin_down,
                                     LinkCause::rx_los,
                                     LinkCause::high_ber,
                                     LinkCause::laser_fault,
                                     LinkCause::oe_fault,
                                     LinkCause::thermal_shutdown,
                                     LinkCause::reconfigured,
                                     LinkCause::prbs,
                                     LinkCause::unit_reset,
                                     LinkCause::data_path_inactive,
                                     LinkCause::els_removed};
constexpr Measure kMeasures[] = {Measure::temperature, Measure::vcc,        Measure::tx_power,    Measure::rx_power,
                                 Measure::laser_power, Measure::laser_bias, Measure::pre_fec_ber, Measure::snr};
constexpr ThresholdLevel kLevels[] = {ThresholdLevel::warning, ThresholdLevel::alarm};
constexpr ThresholdBound kBounds[] = {ThresholdBound::high, ThresholdBound::low};
constexpr LaserFaultCode kFaultCodes[] = {
    LaserFaultCode::none,    LaserFaultCode::apc_loop, LaserFaultCode::acc_loop,      LaserFaultCode::thermal_shutdown,
    LaserFaultCode::removed, LaserFaultCode::vendor,   LaserFaultCode::interlock_open};
constexpr cmis::ModuleState kModuleStates[] = {cmis::ModuleState::reserved,   cmis::ModuleState::low_power,
                                               cmis::ModuleState::power_up,   cmis::ModuleState::ready,
                                               cmis::ModuleState::power_down, cmis::ModuleState::fault};
constexpr cmis::DataPathState kDataPathStates[] = {cmis::DataPathState::reserved,    cmis::DataPathState::deactivated,
                                                   cmis::DataPathState::init,        cmis::DataPathState::deinit,
                                                   cmis::DataPathState::activated,   cmis::DataPathState::tx_turn_on,
                                                   cmis::DataPathState::tx_turn_off, cmis::DataPathState::initialized};
constexpr SwapStep kSwapSteps[] = {SwapStep::deinit_data_paths, SwapStep::lasers_off,   SwapStep::wait_removal,
                                   SwapStep::wait_insertion,    SwapStep::fiber_check,  SwapStep::ramp,
                                   SwapStep::reinit_data_paths, SwapStep::restore_admin};

Result<ModuleRef> module_of(const cpo_object& o) {
  if (o.kind == CPO_OBJECT_OE) return ModuleRef(OeId(o.id));
  if (o.kind == CPO_OBJECT_ELS) return ModuleRef(ElsId(o.id));
  return Status(Code::invalid_argument, "cpo_event_format: module kind " + std::to_string(static_cast<int>(o.kind)) +
                                            " is not a module (allowed: CPO_OBJECT_OE, CPO_OBJECT_ELS)");
}

Result<EventObject> event_object_of(const cpo_object& o) {
  if (o.kind == CPO_OBJECT_NONE) return EventObject{};
  if (o.kind == CPO_OBJECT_PORT)  // events name sub-ports; a whole port is its sub-port 0
    return EventObject(LogicalPort{PortId(o.id), 0});
  auto ref = from_c(o, "cpo_event_format", "object");
  if (!ref) return ref.status();
  return std::visit(
      [](const auto& v) -> EventObject {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, PortId>) {
          return LogicalPort{v, 0};
        } else {
          return v;
        }
      },
      *ref);
}

}  // namespace

void to_c(const Event& in, cpo_event& out) {
  out = cpo_event{};
  out.type = static_cast<cpo_event_type>(in.type());
  out.unit = in.unit.value();
  out.timestamp_ns = static_cast<int64_t>(in.timestamp.count());
  out.synthetic = in.synthetic ? 1 : 0;
  try {
    out.object = to_c(in.object());
  } catch (...) {
    out.object = cpo_object{CPO_OBJECT_NONE, 0, 0};
  }
  std::visit(
      [&out](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, LinkChange>) {
          out.link_change = {to_c(p.port), static_cast<cpo_oper_state>(p.state), static_cast<cpo_link_cause>(p.cause)};
        } else if constexpr (std::is_same_v<T, ElsPresence>) {
          out.els_presence = {p.els.value(), static_cast<uint8_t>(p.present ? 1 : 0)};
        } else if constexpr (std::is_same_v<T, ThresholdCrossing>) {
          out.threshold_crossing = {to_c(p.object),
                                    static_cast<cpo_measure>(p.quantity),
                                    static_cast<cpo_threshold_level>(p.level),
                                    static_cast<cpo_threshold_bound>(p.bound),
                                    static_cast<uint8_t>(p.asserted ? 1 : 0),
                                    p.value,
                                    p.threshold};
        } else if constexpr (std::is_same_v<T, LaserFault>) {
          out.laser_fault = {to_c(p.laser), static_cast<cpo_laser_fault>(p.code)};
        } else if constexpr (std::is_same_v<T, ModuleStateChange>) {
          out.module_state = {to_c(p.module), static_cast<cpo_module_state>(p.state)};
        } else if constexpr (std::is_same_v<T, DataPathStateChange>) {
          out.data_path_state = {p.bank.oe.value(), p.bank.bank.value(), p.lane_in_bank,
                                 static_cast<cpo_data_path_state>(p.state)};
        } else if constexpr (std::is_same_v<T, CmisFlag>) {
          out.cmis_flag = {to_c(p.module), p.bank.value(), p.page, p.byte, p.bits};
        } else if constexpr (std::is_same_v<T, OeFaultEvent>) {
          out.oe_fault = {p.oe.value()};
        } else if constexpr (std::is_same_v<T, ThermalShutdown>) {
          out.thermal_shutdown = {to_c(p.object)};
        } else if constexpr (std::is_same_v<T, UnitReset>) {
          // no payload
        } else if constexpr (std::is_same_v<T, Resync>) {
          out.resync = {p.lost};
        } else if constexpr (std::is_same_v<T, ElsSwap>) {
          out.els_swap = {p.els.value(), static_cast<cpo_swap_step>(p.step), static_cast<uint8_t>(p.done ? 1 : 0),
                          static_cast<uint8_t>(p.failed ? 1 : 0)};
        }
      },
      in.payload);
}

Result<Event> from_c(const cpo_event& in) {
  Event e;
  e.unit = UnitId(in.unit);
  e.timestamp = std::chrono::nanoseconds(in.timestamp_ns);
  e.synthetic = in.synthetic != 0;
  auto type = enum_of(in.type, "type", kAllEventTypes, "cpo_event_type");
  if (!type) return type.status();
  switch (*type) {
    case EventType::link_change: {
      auto state = enum_of(in.link_change.state, "link_change.state", kOperStates, "cpo_oper_state");
      if (!state) return state.status();
      auto cause = enum_of(in.link_change.cause, "link_change.cause", kLinkCauses, "cpo_link_cause");
      if (!cause) return cause.status();
      e.payload =
          LinkChange{LogicalPort{PortId(in.link_change.port.port), in.link_change.port.subport}, *state, *cause};
      break;
    }
    case EventType::els_presence:
      e.payload = ElsPresence{ElsId(in.els_presence.els), in.els_presence.present != 0};
      break;
    case EventType::threshold_crossing: {
      const auto& t = in.threshold_crossing;
      auto object = event_object_of(t.object);
      if (!object) return object.status();
      auto q = enum_of(t.quantity, "threshold_crossing.quantity", kMeasures, "cpo_measure");
      if (!q) return q.status();
      auto level = enum_of(t.level, "threshold_crossing.level", kLevels, "cpo_threshold_level");
      if (!level) return level.status();
      auto bound = enum_of(t.bound, "threshold_crossing.bound", kBounds, "cpo_threshold_bound");
      if (!bound) return bound.status();
      e.payload = ThresholdCrossing{*object, *q, *level, *bound, t.asserted != 0, t.value, t.threshold};
      break;
    }
    case EventType::laser_fault: {
      auto code = enum_of(in.laser_fault.code, "laser_fault.code", kFaultCodes, "cpo_laser_fault");
      if (!code) return code.status();
      e.payload = LaserFault{from_c(in.laser_fault.laser), *code};
      break;
    }
    case EventType::module_state: {
      auto module = module_of(in.module_state.module);
      if (!module) return module.status();
      auto state = enum_of(in.module_state.state, "module_state.state", kModuleStates, "cpo_module_state");
      if (!state) return state.status();
      e.payload = ModuleStateChange{*module, *state};
      break;
    }
    case EventType::data_path_state: {
      const auto& d = in.data_path_state;
      auto state = enum_of(d.state, "data_path_state.state", kDataPathStates, "cpo_data_path_state");
      if (!state) return state.status();
      e.payload = DataPathStateChange{OeBank{OeId(d.oe), BankId(d.bank)}, d.lane_in_bank, *state};
      break;
    }
    case EventType::cmis_flag: {
      auto module = module_of(in.cmis_flag.module);
      if (!module) return module.status();
      e.payload = CmisFlag{*module, BankId(in.cmis_flag.bank), in.cmis_flag.page, in.cmis_flag.byte, in.cmis_flag.bits};
      break;
    }
    case EventType::oe_fault: e.payload = OeFaultEvent{OeId(in.oe_fault.oe)}; break;
    case EventType::thermal_shutdown: {
      auto object = event_object_of(in.thermal_shutdown.object);
      if (!object) return object.status();
      e.payload = ThermalShutdown{*object};
      break;
    }
    case EventType::unit_reset: e.payload = UnitReset{}; break;
    case EventType::resync: e.payload = Resync{in.resync.lost}; break;
    case EventType::els_swap: {
      auto step = enum_of(in.els_swap.step, "els_swap.step", kSwapSteps, "cpo_swap_step");
      if (!step) return step.status();
      e.payload = ElsSwap{ElsId(in.els_swap.els), *step, in.els_swap.done != 0, in.els_swap.failed != 0};
      break;
    }
  }
  return e;
}

namespace {
template <typename E, std::size_t N>
const char* name_of(int value, const E (&all)[N]) noexcept {
  if (value < 0 || static_cast<std::size_t>(value) >= N) return "unknown";
  return to_string(all[static_cast<std::size_t>(value)]).data();  // the names are literals
}
}  // namespace

const char* event_type_name(int type) noexcept { return name_of(type, kAllEventTypes); }
const char* link_cause_name(int cause) noexcept { return name_of(cause, kLinkCauses); }
const char* swap_step_name(int step) noexcept { return name_of(step, kSwapSteps); }

}  // namespace cpo::capi

using namespace cpo::capi;  // NOLINT(google-build-using-namespace): the C entry points below

extern "C" {

cpo_status cpo_subscribe(cpo_switch* sw, const cpo_event_filter* filter, cpo_subscription** out) {
  return guarded("cpo_subscribe", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(sw, "cpo_subscribe", "an open switch");
    CPO_CAPI_REQUIRE(out, "cpo_subscribe", "a cpo_subscription* to fill");
    *out = nullptr;
    cpo::sdk::EventFilter f;
    if (filter != nullptr) {
      const uint32_t known = (1u << CPO_EVENT_TYPE_COUNT) - 1u;
      if ((filter->types & ~known) != 0)
        return cpo::Status(cpo::Code::invalid_argument,
                           "cpo_subscribe: types " + std::to_string(filter->types) + " has bits outside the " +
                               std::to_string(CPO_EVENT_TYPE_COUNT) +
                               " event types (allowed: CPO_EVENT_MASK(CPO_EVENT_LINK_CHANGE) .. "
                               "CPO_EVENT_MASK(CPO_EVENT_ELS_SWAP))");
      for (cpo::EventType t : cpo::kAllEventTypes)
        if ((filter->types & (1u << static_cast<unsigned>(t))) != 0) f.types.push_back(t);
      if (filter->objects != nullptr && filter->objects[0] != '\0') {
        auto objects = sw->sw->resolve_all(filter->objects);
        if (!objects) return objects.status().with_context("cpo_subscribe: objects");
        f.objects = std::move(*objects);
      }
      f.synthetic = filter->exclude_synthetic == 0;
    }
    auto sub = sw->sw->subscribe(f);
    if (!sub) return sub.status();
    auto handle = std::make_unique<cpo_subscription>();
    handle->sw = sw->sw;
    handle->sub = std::move(*sub);
    *out = handle.release();
    return cpo::ok_status();
  });
}

int cpo_subscription_fd(const cpo_subscription* subscription) {
  return subscription != nullptr ? subscription->sub.fd() : -1;
}

cpo_status cpo_subscription_read(cpo_subscription* subscription, cpo_event* out, size_t capacity, size_t* count) {
  return guarded("cpo_subscription_read", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(subscription, "cpo_subscription_read", "a subscription");
    CPO_CAPI_REQUIRE(count, "cpo_subscription_read", "a size_t for the count");
    if (out == nullptr && capacity != 0) return null_argument("cpo_subscription_read", "out", "an array of capacity");
    *count = 0;
    if (capacity == 0) return cpo::ok_status();
    subscription->buffer.clear();
    const std::size_t n = subscription->sub.read(subscription->buffer, capacity);
    for (std::size_t i = 0; i < n; ++i) to_c(subscription->buffer[i], out[i]);
    *count = n;
    return cpo::ok_status();
  });
}

uint64_t cpo_subscription_dropped(const cpo_subscription* subscription) {
  return subscription != nullptr ? subscription->sub.dropped() : 0;
}

void cpo_subscription_free(cpo_subscription* subscription) {
  delete subscription;  // NOLINT(cppcoreguidelines-owning-memory): the handle cpo_subscribe made
}

cpo_status cpo_event_format(const cpo_event* event, char* buffer, size_t capacity) {
  return guarded("cpo_event_format", [&]() -> cpo::Status {
    CPO_CAPI_REQUIRE(event, "cpo_event_format", "an event");
    CPO_CAPI_REQUIRE(buffer, "cpo_event_format", "a buffer");
    auto e = from_c(*event);
    if (!e) return e.status();
    const std::string text = cpo::to_string(*e);
    if (text.size() + 1 > capacity)
      return cpo::Status(cpo::Code::out_of_range, "cpo_event_format: the text needs " +
                                                      std::to_string(text.size() + 1) + " bytes, capacity is " +
                                                      std::to_string(capacity));
    std::memcpy(buffer, text.c_str(), text.size() + 1);
    return cpo::ok_status();
  });
}

const char* cpo_event_type_name(int type) { return event_type_name(type); }
const char* cpo_link_cause_name(int cause) { return link_cause_name(cause); }
const char* cpo_swap_step_name(int step) { return swap_step_name(step); }
const char* cpo_laser_state_name(int state) {
  constexpr cpo::LaserState kStates[] = {cpo::LaserState::off, cpo::LaserState::ramping, cpo::LaserState::on,
                                         cpo::LaserState::fault, cpo::LaserState::absent};
  if (state < 0 || state >= static_cast<int>(std::size(kStates))) return "unknown";
  return cpo::to_string(kStates[state]).data();
}

}  // extern "C"
