// sim://: the simulator in this process, driven by the reference driver through its Bars
// exactly as hardware would be.
#include <array>
#include <thread>

#include <fmt/format.h>

#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/sim/simulator.h"
#include "uri/reference_options.h"
#include "uri/registry.h"

namespace cpo::sdk {
namespace {

constexpr std::array<std::string_view, 4> kParams = {"seed", "clock", kReferenceParamSnapshot,
                                                     kReferenceParamCommandTimeout};

// The back door, for fault injection from code that includes only cpo/sdk.
class SimControl final : public SimulatorControl {
 public:
  explicit SimControl(std::shared_ptr<sim::Switch> sw) : sw_(std::move(sw)) {}
  Status fail_laser(const LaserRef& laser) override { return door().fail_laser(laser); }
  Status repair_laser(const LaserRef& laser) override { return door().repair_laser(laser); }
  Status set_laser_fiber_loss(const LaserRef& laser, Decibels loss) override {
    return door().set_laser_fiber_loss(laser, loss);
  }
  Status remove_els(ElsId els) override { return door().remove_els(els); }
  Status insert_els(ElsId els) override { return door().insert_els(els); }
  Status open_interlock(ElsId els) override { return door().open_interlock(els); }
  Status close_interlock(ElsId els) override { return door().close_interlock(els); }
  Status set_port_fiber_loss(PortId port, int lane_in_port, Decibels loss) override {
    return door().set_fiber_loss(port, lane_in_port, loss);
  }
  Status cut_port_fiber(PortId port, int lane_in_port) override { return door().cut_fiber(port, lane_in_port); }
  Status fail_oe(OeId oe) override { return door().fail_oe(oe); }
  Status repair_oe(OeId oe) override { return door().repair_oe(oe); }
  Status set_coolant_temperature(Celsius temperature) override { return door().set_coolant_temperature(temperature); }
  Status overheat_oe(OeId oe, Celsius extra_rise) override { return door().overheat_oe(oe, extra_rise); }
  Status degrade_lane(LaneId lane, Decibels snr_penalty) override { return door().degrade_lane(lane, snr_penalty); }
  Status hang_firmware(UnitId unit, bool hung) override { return door().hang_firmware(unit, hung); }
  [[nodiscard]] Result<std::uint64_t> device_writes() const override {
    std::uint64_t total = 0;
    for (std::size_t u = 0; u < sw_->unit_count(); ++u) {
      auto n = sw_->backdoor().write_count(UnitId(static_cast<std::uint32_t>(u)));
      if (!n) return n.status();
      total += *n;
    }
    return total;
  }
  [[nodiscard]] Result<std::vector<std::uint32_t>> register_window(UnitId unit) const override {
    return door().snapshot(unit);
  }

 private:
  [[nodiscard]] sim::Backdoor& door() const { return sw_->backdoor(); }
  std::shared_ptr<sim::Switch> sw_;
};

}  // namespace

Result<Backend> open_sim(const Uri& uri, const OpenOptions&) {
  const std::string_view form = scheme_form("sim");
  CPO_RETURN_IF_ERROR(check_params(uri, kParams, form));
  sim::SimOptions options;
  if (uri.target.empty()) {
    return error(Code::invalid_argument, fmt::format("{}: no profile (form: {}; built-in profiles: {})", uri.text, form,
                                                     fmt::join(Platform::builtin_names(), ", ")));
  }
  options.profile = uri.target;
  if (auto seed = uri.param("seed"); !seed.empty()) {
    auto n = parse_u64(seed, "seed");
    if (!n) return n.status().with_context(uri.text);
    options.seed = *n;
  }
  const auto clock = uri.param("clock", "virtual");
  if (clock == "virtual") {
    options.clock = sim::ClockMode::virtual_time;
  } else if (clock == "real") {
    options.clock = sim::ClockMode::real_time;
  } else {
    return error(Code::invalid_argument, fmt::format("{}: clock '{}' is not one of virtual, real", uri.text, clock));
  }
  auto driver_options = reference_options(uri);
  if (!driver_options) return driver_options.status();
  auto created = sim::Switch::create(options);
  if (!created) return created.status().with_context(uri.text);
  std::shared_ptr<sim::Switch> sw(std::move(created).value());
  std::vector<Bar*> bars;
  for (std::size_t u = 0; u < sw->unit_count(); ++u) bars.push_back(&sw->bar(u));
  auto driver = reference::ReferenceDriver::open(sw->platform(), bars, *driver_options);
  if (!driver) return driver.status().with_context(uri.text);

  Backend b;
  b.transport.push_back(sw);
  b.platform = std::make_shared<const Platform>(sw->platform());
  b.driver = std::move(driver).value();
  Bar* clock_bar = bars.front();
  b.now = [clock_bar] { return clock_bar->now(); };
  b.sleep = [clock_bar](std::chrono::nanoseconds d) { clock_bar->wait(d); };
  b.simulator = std::make_unique<SimControl>(sw);
  return b;
}

}  // namespace cpo::sdk
