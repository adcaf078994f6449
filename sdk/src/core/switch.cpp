// Switch: opening by URI, the plain pass-through calls, guarded CMIS access, events and time.
#include <fmt/format.h>

#include "core/switch_impl.h"
#include "events/dispatcher.h"
#include "events/thresholds.h"
#include "uri/registry.h"

namespace cpo::sdk {

Switch::Impl::Impl(std::string uri_text, const OpenOptions& opts, Backend b)
    : uri(std::move(uri_text)),
      options(opts),
      backend(std::move(b)),
      platform(*backend.platform),
      driver(*backend.driver, platform),
      class_limit(opts.laser.class_limit ? opts.laser.class_limit : platform.laser_class_limit()) {
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
  auto watcher =
      std::make_shared<ThresholdWatcher>(threshold_rules(options.events), driver.capabilities().threshold_events);
  Dispatcher::Source source;
  source.read_events = [this](std::vector<Event>& out) {
    return driver.capabilities().events ? driver.read_events(out) : ok_status();
  };
  source.derive_thresholds = [this, watcher](std::vector<Event>& out) {
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

Switch::Impl::~Impl() { dispatcher.reset(); }  // threads stop before the driver goes

void Switch::Impl::publish(const Event& event) { dispatcher->publish(std::span<const Event>(&event, 1)); }

Switch::Switch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Switch::~Switch() = default;

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
  auto impl = std::make_unique<Impl>(std::string(uri), options, std::move(backend).value());
  CPO_RETURN_IF_ERROR(impl->load_caches());
  return std::unique_ptr<Switch>(new Switch(std::move(impl)));
}

const std::string& Switch::uri() const noexcept { return impl_->uri; }
const Platform& Switch::platform() const noexcept { return impl_->platform; }
const Capabilities& Switch::capabilities() const noexcept { return impl_->driver.capabilities(); }
const OpenOptions& Switch::options() const noexcept { return impl_->options; }

Result<BreakoutMap> Switch::breakout_map() {
  Telemetry t;
  CPO_RETURN_IF_ERROR(impl_->read_units(t));
  return impl_->breakout_of(t);
}

Result<ObjectRef> Switch::resolve(std::string_view text) {
  auto map = breakout_map();
  if (!map) return map.status();
  return parse_object(text, impl_->platform, *map);
}

Result<std::vector<ObjectRef>> Switch::resolve_all(std::string_view text) {
  auto map = breakout_map();
  if (!map) return map.status();
  return parse_objects(text, impl_->platform, *map);
}

// ------------------------------------------------------------------------------- ports, lanes

Result<PortTelemetry> Switch::port(PortId port) { return impl_->driver.port_telemetry(port); }

Status Switch::set_admin(PortId port, AdminState state) { return impl_->driver.set_admin_state(port, state); }

Status Switch::set_admin(const LogicalPort& port, AdminState state) {
  auto map = breakout_map();
  if (!map) return map.status();
  // Checked against the current breakout here: the device would say only "bad object".
  auto name = sonic_name(impl_->platform, port, *map);
  if (!name) return name.status();
  return impl_->driver.set_subport_admin_state(port, state);
}

Status Switch::set_fec(PortId port, FecMode mode) { return impl_->driver.set_fec(port, mode); }

Result<LaneTelemetry> Switch::lane(LaneId lane) { return impl_->driver.lane_telemetry(lane); }
Status Switch::set_tx_fir(LaneId lane, const TxFir& taps) { return impl_->driver.set_tx_fir(lane, taps); }
Status Switch::set_prbs(LaneId lane, const PrbsConfig& config) { return impl_->driver.set_prbs(lane, config); }
Result<PrbsStatus> Switch::prbs(LaneId lane) { return impl_->driver.prbs_status(lane); }

// ------------------------------------------------------------------------------------ CMIS

Status Switch::read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) {
  return impl_->driver.read_cmis(address, out);
}

Status Switch::write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) {
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

Result<Subscription> Switch::subscribe(const EventFilter& filter, EventCallback callback) {
  if (!callback)
    return error(Code::invalid_argument, "subscribe: the callback is empty (use subscribe(filter) for an fd)");
  return impl_->dispatcher->subscribe(filter, std::move(callback));
}

Result<Subscription> Switch::subscribe(const EventFilter& filter) { return impl_->dispatcher->subscribe(filter, {}); }

// -------------------------------------------------------------------------------- time, sim

std::chrono::nanoseconds Switch::now() const { return impl_->backend.now(); }

void Switch::sleep_for(std::chrono::nanoseconds duration) {
  if (duration.count() > 0) impl_->backend.sleep(duration);
}

SimulatorControl* Switch::simulator() noexcept { return impl_->backend.simulator.get(); }

}  // namespace cpo::sdk
