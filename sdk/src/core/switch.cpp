// Switch: opening by URI, the plain pass-through calls, guarded CMIS access, events and time.
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/device_switch.h"
#include "core/switch_impl.h"
#include "events/dispatcher.h"
#include "events/thresholds.h"
#include "uri/registry.h"

namespace cpo::sdk {

DeviceSwitch::Impl::Impl(std::string uri_text, const OpenOptions& opts, Backend b)
    : uri(std::move(uri_text)),
      options(opts),
      backend(std::move(b)),
      platform(*backend.platform),
      driver(*backend.driver, platform),
      opened_class_limit(opts.laser.class_limit ? opts.laser.class_limit : platform.laser_class_limit()) {
  {
    Lock lock(settings_mu);
    class_limit_now = opened_class_limit;
    rules_now = sdk::threshold_rules(options.events);
  }
  std::size_t flat = 0;
  for (const auto& els : platform.els_modules()) {
    first_laser.push_back(flat);
    flat += els.lasers.size();
    std::vector<std::unique_ptr<ElsBankCache>> banks;
    const std::size_t n = (els.lasers.size() + cmis::kLanesPerBank - 1) / cmis::kLanesPerBank;
    for (std::size_t k = 0; k < n; ++k) banks.push_back(std::make_unique<ElsBankCache>());
    els_cache.push_back(std::move(banks));
  }
  laser_busy = std::make_unique<std::atomic<bool>[]>(flat);
  for (std::size_t u = 0; u < platform.units().size(); ++u) unit_config.push_back(std::make_unique<Mutex>());

  // Events: the backend's, plus crossings the SDK derives where the backend is silent.
  watcher =
      std::make_shared<ThresholdWatcher>(sdk::threshold_rules(options.events), driver.capabilities().threshold_events);
  Dispatcher::Source source;
  source.read_events = [this](std::vector<Event>& out) {
    return driver.capabilities().events ? driver.read_events(out) : ok_status();
  };
  source.derive_thresholds = [this, watcher = watcher](std::vector<Event>& out) {
    if (!driver.capabilities().telemetry) return ok_status();
    Telemetry t;
    CPO_RETURN_IF_ERROR(read_units(t));
    std::vector<OeThresholds> oes;
    {
      Lock lock(thresholds_mu);
      oes = oe_thresholds;
    }
    const std::vector<LaserThresholds> lasers = laser_thresholds();
    watcher->evaluate(t, ModuleThresholdView{&platform, &oes, &lasers}, out);
    return ok_status();
  };
  dispatcher = std::make_unique<Dispatcher>(std::move(source), options.events);
}

DeviceSwitch::Impl::~Impl() { dispatcher.reset(); }  // threads stop before the driver goes

void DeviceSwitch::Impl::publish(const Event& event) { dispatcher->publish(std::span<const Event>(&event, 1)); }

DeviceSwitch::DeviceSwitch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceSwitch::~DeviceSwitch() = default;

// ------------------------------------------------------------ settings changed at run time

Result<std::vector<LaserStatus>> Switch::laser_statuses() {
  std::vector<LaserStatus> out;
  for (const ElsInfo& els : platform().els_modules()) {
    for (const LaserInfo& l : els.lasers) {
      auto s = laser_status(l.ref);
      if (!s) return s.status();
      out.push_back(std::move(s).value());
    }
  }
  return out;
}

std::optional<Milliwatts> Switch::laser_class_limit() const {
  return options().laser.class_limit ? options().laser.class_limit : platform().laser_class_limit();
}
Status Switch::set_laser_class_limit(std::optional<Milliwatts>) {
  return error(Code::unsupported, fmt::format("{}: this switch keeps no laser policy to change", uri()));
}
std::vector<ThresholdRule> Switch::threshold_rules() const { return sdk::threshold_rules(options().events); }
Status Switch::set_threshold_rules(const std::vector<ThresholdRule>&) {
  return error(Code::unsupported, fmt::format("{}: this switch derives no threshold events to change", uri()));
}

std::optional<Milliwatts> DeviceSwitch::laser_class_limit() const { return impl_->class_limit(); }

Status DeviceSwitch::set_laser_class_limit(std::optional<Milliwatts> limit) {
  const std::optional<Milliwatts> ceiling = impl_->opened_class_limit;
  if (limit && (!std::isfinite(limit->value()) || !(limit->value() > 0.0) || (ceiling && *limit > *ceiling))) {
    return error(Code::out_of_range,
                 ceiling ? fmt::format("laser class limit {} mW: allowed above 0 up to {} mW, the limit {} was "
                                       "opened with",
                                       limit->value(), ceiling->value(), impl_->uri)
                         : fmt::format("laser class limit {} mW: allowed above 0", limit->value()));
  }
  const std::optional<Milliwatts> target = limit ? limit : ceiling;
  std::optional<Milliwatts> before;
  {
    Lock lock(impl_->settings_mu);
    before = impl_->class_limit_now;
    impl_->class_limit_now = target;  // in force before the check: no laser rises above it meanwhile
  }
  if (target) {
    // A lit laser above the new limit: refused, the old limit back.
    Telemetry t;
    Status s = impl_->read_units(t);
    std::vector<std::string> above;
    if (s.ok()) {
      for (const auto& u : t.units)
        for (const auto& l : u.lasers)
          if (l.flags.has(LaserFlag::enabled) && l.power_setpoint.value() > target->value() + 0.005)
            above.push_back(fmt::format("{} at {:.2f} mW", to_string(l.laser), l.power_setpoint.value()));
    }
    if (!s.ok() || !above.empty()) {
      Lock lock(impl_->settings_mu);
      impl_->class_limit_now = before;
      if (!s.ok()) return s.with_context("laser class limit: reading the lasers");
      return error(Code::safety_refused,
                   fmt::format("laser class limit {:.2f} mW: lit lasers are above it ({}); lower their power first",
                               target->value(), fmt::join(above, ", ")));
    }
  }
  return ok_status();
}

std::vector<ThresholdRule> DeviceSwitch::threshold_rules() const {
  Lock lock(impl_->settings_mu);
  return impl_->rules_now;
}

Status DeviceSwitch::set_threshold_rules(const std::vector<ThresholdRule>& rules) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const ThresholdRule& r = rules[i];
    const std::string name =
        fmt::format("threshold rule {} ({} {} {})", i, to_string(r.quantity), to_string(r.level), to_string(r.bound));
    if ((r.threshold && !std::isfinite(*r.threshold)) || !std::isfinite(r.hysteresis) || r.hysteresis < 0.0) {
      return error(Code::invalid_argument,
                   fmt::format("{}: threshold and hysteresis must be finite numbers, hysteresis at least 0", name));
    }
    for (std::size_t k = 0; k < i; ++k) {
      if (rules[k].quantity == r.quantity && rules[k].level == r.level && rules[k].bound == r.bound) {
        return error(Code::invalid_argument, fmt::format("{}: the same quantity, level and bound as rule {}", name, k));
      }
    }
  }
  EventOptions events = impl_->options.events;
  events.rules = rules;
  std::vector<ThresholdRule> merged = sdk::threshold_rules(events);
  impl_->watcher->set_rules(merged);
  Lock lock(impl_->settings_mu);
  impl_->rules_now = std::move(merged);
  return ok_status();
}

Result<std::unique_ptr<Switch>> Switch::open(std::string_view uri, const OpenOptions& options) {
  const LaserPolicy& l = options.laser;
  if (!(l.max_ramp_rate.value() > 0) || !(l.max_step.value() > 0) || !(l.max_fiber_loss.value() > 0) ||
      !(l.no_light_loss > l.max_fiber_loss) || (l.class_limit && !(l.class_limit->value() > 0))) {
    return error(Code::invalid_argument,
                 "laser policy: ramp rate, step and fiber loss limits must be positive, no_light_loss above "
                 "max_fiber_loss, a class limit positive");
  }
  if (options.events.poll_interval.count() <= 0 || options.events.threshold_interval.count() <= 0 ||
      options.events.queue_capacity == 0) {
    return error(Code::invalid_argument, "event options: intervals and queue capacity must be positive");
  }
  auto backend = open_backend(uri, options);
  if (!backend) return backend.status();
  auto impl = std::make_unique<DeviceSwitch::Impl>(std::string(uri), options, std::move(backend).value());
  CPO_RETURN_IF_ERROR(impl->load_caches());
  return std::unique_ptr<Switch>(std::make_unique<DeviceSwitch>(std::move(impl)));
}

const std::string& DeviceSwitch::uri() const noexcept { return impl_->uri; }
const Platform& DeviceSwitch::platform() const noexcept { return impl_->platform; }
const Capabilities& DeviceSwitch::capabilities() const noexcept { return impl_->driver.capabilities(); }
const OpenOptions& DeviceSwitch::options() const noexcept { return impl_->options; }

Result<BreakoutMap> DeviceSwitch::breakout_map() {
  Telemetry t;
  CPO_RETURN_IF_ERROR(impl_->read_units(t));
  return impl_->breakout_of(t);
}

// ------------------------------------------------------------ Switch: conveniences over the interface

Result<ObjectRef> Switch::resolve(std::string_view text) {
  auto map = breakout_map();
  if (!map) return map.status();
  return parse_object(text, platform(), *map);
}

Result<std::vector<ObjectRef>> Switch::resolve_all(std::string_view text) {
  auto map = breakout_map();
  if (!map) return map.status();
  return parse_objects(text, platform(), *map);
}

Result<BreakoutResult> Switch::breakout(std::string_view ports, std::string_view mode, const BreakoutOptions& options) {
  auto parsed = BreakoutMode::parse(mode);
  if (!parsed) return parsed.status();
  auto map = breakout_map();
  if (!map) return map.status();
  auto list = parse_ports(ports, platform(), *map);
  if (!list) return list.status();
  std::vector<BreakoutGroupRequest> groups;
  for (PortId p : *list) groups.push_back(BreakoutGroupRequest{p, *parsed});
  return breakout(groups, options);
}

Status Switch::set_laser_power(const LaserRef& laser, Dbm power, const RampOptions& ramp) {
  return set_laser_power(laser, to_milliwatts(power), ramp);
}

Result<Snapshot> Switch::snapshot() {
  Snapshot s;
  CPO_RETURN_IF_ERROR(snapshot(s));
  return s;
}

std::string Switch::render_json(const Snapshot& snapshot, bool pretty) const {
  return sdk::render_json(platform(), snapshot, pretty);
}

std::string Switch::render_prometheus(const Snapshot& snapshot, std::string_view switch_name) const {
  return sdk::render_prometheus(platform(), snapshot, switch_name);
}

// ------------------------------------------------------------------------------- DeviceSwitch

// ------------------------------------------------------------------------------- ports, lanes

Result<PortTelemetry> DeviceSwitch::port(PortId port) { return impl_->driver.port_telemetry(port); }

Status DeviceSwitch::set_admin(PortId port, AdminState state) { return impl_->driver.set_admin_state(port, state); }

Status DeviceSwitch::set_admin(const LogicalPort& port, AdminState state) {
  auto map = breakout_map();
  if (!map) return map.status();
  // Checked against the current breakout here: the device would say only "bad object".
  auto name = sonic_name(impl_->platform, port, *map);
  if (!name) return name.status();
  return impl_->driver.set_subport_admin_state(port, state);
}

Status DeviceSwitch::set_fec(PortId port, FecMode mode) { return impl_->driver.set_fec(port, mode); }

// Capability and range are checked by the validating layer; the sub-port against the current
// breakout here, as set_admin does.
Result<std::uint32_t> DeviceSwitch::mtu(const LogicalPort& port) {
  if (!impl_->driver.capabilities().mtu) return impl_->driver.mtu(port);
  auto map = breakout_map();
  if (!map) return map.status();
  CPO_RETURN_IF_ERROR(sonic_name(impl_->platform, port, *map).status());
  return impl_->driver.mtu(port);
}

Status DeviceSwitch::set_mtu(const LogicalPort& port, std::uint32_t bytes) {
  if (!impl_->driver.capabilities().mtu) return impl_->driver.set_mtu(port, bytes);
  auto map = breakout_map();
  if (!map) return map.status();
  CPO_RETURN_IF_ERROR(sonic_name(impl_->platform, port, *map).status());
  return impl_->driver.set_mtu(port, bytes);
}

Result<LaneTelemetry> DeviceSwitch::lane(LaneId lane) { return impl_->driver.lane_telemetry(lane); }
Status DeviceSwitch::set_tx_fir(LaneId lane, const TxFir& taps) { return impl_->driver.set_tx_fir(lane, taps); }
Status DeviceSwitch::set_prbs(LaneId lane, const PrbsConfig& config) { return impl_->driver.set_prbs(lane, config); }
Result<PrbsStatus> DeviceSwitch::prbs(LaneId lane) { return impl_->driver.prbs_status(lane); }

// ------------------------------------------------------------------------------------ CMIS

Status DeviceSwitch::read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) {
  return impl_->driver.read_cmis(address, out);
}

Status DeviceSwitch::write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) {
  if (const auto* els = std::get_if<ElsId>(&address.module);
      els != nullptr && address.offset >= 128 && (address.page == 0x1A || address.page == 0x1B)) {
    CPO_RETURN_IF_ERROR(impl_->platform.els(*els).status());
    if (address.offset + bytes.size() > 256 || bytes.empty()) return impl_->driver.write_cmis(address, bytes);
    // Decide by what the write would change, decoded by the codec: the laser controls
    // (enable, fiber checked, control mode, set-points) belong to the laser calls.
    Telemetry t;
    CPO_RETURN_IF_ERROR(impl_->read_units(t));
    const std::uint32_t first_laser = address.bank.value() * static_cast<std::uint32_t>(cmis::kLanesPerBank);
    auto p = impl_->pages(LaserRef{*els, first_laser}, t);
    if (!p) return p.status();
    cmis::PageBytes after = address.page == 0x1A ? p->page1a : p->page1b;
    std::copy(bytes.begin(), bytes.end(), after.begin() + (address.offset - 128));
    bool touches = false;
    if (address.page == 0x1A) {
      const auto a = cmis::decode_page1a(after);
      touches = a.lane_enable != p->advert.lane_enable || a.output_fiber_checked != p->advert.output_fiber_checked ||
                a.control_mode != p->advert.control_mode;
    } else {
      const auto m = cmis::decode_page1b(after);
      touches = m.bias_setpoint != p->monitors.bias_setpoint || m.power_setpoint != p->monitors.power_setpoint;
    }
    if (touches) {
      return error(Code::safety_refused,
                   fmt::format("{}: this write changes laser controls (enable, output fiber checked, control mode or "
                               "set-points), which only the laser calls may change: use laser enable/disable/set",
                               to_string(address)));
    }
  }
  return impl_->driver.write_cmis(address, bytes);
}

// ---------------------------------------------------------------------------------- events

Result<Subscription> DeviceSwitch::subscribe(const EventFilter& filter, EventCallback callback) {
  if (!callback)
    return error(Code::invalid_argument, "subscribe: the callback is empty (use subscribe(filter) for an fd)");
  return impl_->dispatcher->subscribe(filter, std::move(callback));
}

Result<Subscription> DeviceSwitch::subscribe(const EventFilter& filter) {
  return impl_->dispatcher->subscribe(filter, {});
}

// -------------------------------------------------------------------------------- time, sim

std::chrono::nanoseconds DeviceSwitch::now() const { return impl_->backend.now(); }

void DeviceSwitch::sleep_for(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) impl_->backend.sleep(duration);
}

SimulatorControl* DeviceSwitch::simulator() noexcept { return impl_->backend.simulator.get(); }

}  // namespace cpo::sdk
