// simd://: a simulated switch served by cpo-simd to many processes (docs/simd.md). The
// transport is cposdk::simd_client (register windows shared with the daemon, commands as
// messages); the reference driver runs on it unchanged.
#include <errno.h>

#include <array>

#include <fmt/format.h>

#include "cpo/drivers/reference/reference_driver.h"
#include "cpo/sim/simd_client.h"
#include "uri/reference_options.h"
#include "uri/registry.h"

namespace cpo::sdk {
namespace {

constexpr std::array<std::string_view, 2> kParams = {kReferenceParamSnapshot, kReferenceParamCommandTimeout};
constexpr std::string_view kDefaultDir = "/run/cposim/";

// Fault injection forwarded over the daemon's control channel.
class SimdControl final : public SimulatorControl {
 public:
  explicit SimdControl(std::shared_ptr<simd::Client> client) : c_(std::move(client)) {}
  Status fail_laser(const LaserRef& laser) override { return laser_op(simd::FaultOp::fail_laser, laser); }
  Status repair_laser(const LaserRef& laser) override { return laser_op(simd::FaultOp::repair_laser, laser); }
  Status set_laser_fiber_loss(const LaserRef& laser, Decibels loss) override {
    return laser_op(simd::FaultOp::set_laser_fiber_loss, laser, loss.value());
  }
  Status remove_els(ElsId els) override { return op(simd::FaultOp::remove_els, els.value()); }
  Status insert_els(ElsId els) override { return op(simd::FaultOp::insert_els, els.value()); }
  Status open_interlock(ElsId els) override {
    return c_->fault({simd::FaultOp::els_interlock, els.value(), 0, -1, 0.0, true});
  }
  Status close_interlock(ElsId els) override {
    return c_->fault({simd::FaultOp::els_interlock, els.value(), 0, -1, 0.0, false});
  }
  Status set_port_fiber_loss(PortId port, int lane_in_port, Decibels loss) override {
    return c_->fault({simd::FaultOp::set_port_fiber_loss, port.value(), 0, lane_in_port, loss.value(), false});
  }
  Status cut_port_fiber(PortId port, int lane_in_port) override {
    return c_->fault({simd::FaultOp::cut_port_fiber, port.value(), 0, lane_in_port, 0.0, false});
  }
  Status fail_oe(OeId oe) override { return op(simd::FaultOp::fail_oe, oe.value()); }
  Status repair_oe(OeId oe) override { return op(simd::FaultOp::repair_oe, oe.value()); }
  Status set_coolant_temperature(Celsius temperature) override {
    return op(simd::FaultOp::set_coolant_temperature, 0, temperature.value());
  }
  Status overheat_oe(OeId oe, Celsius extra_rise) override {
    return op(simd::FaultOp::overheat_oe, oe.value(), extra_rise.value());
  }
  Status degrade_lane(LaneId lane, Decibels snr_penalty) override {
    return op(simd::FaultOp::degrade_lane, lane.value(), snr_penalty.value());
  }
  Status hang_firmware(UnitId unit, bool hung) override {
    return c_->fault({simd::FaultOp::hang_firmware, unit.value(), 0, -1, 0.0, hung});
  }
  [[nodiscard]] Result<std::uint64_t> device_writes() const override { return c_->write_count(); }

 private:
  Status op(simd::FaultOp what, std::uint32_t a, double value = 0.0) {
    return c_->fault({what, a, 0, -1, value, false});
  }
  Status laser_op(simd::FaultOp what, const LaserRef& laser, double value = 0.0) {
    return c_->fault({what, laser.els.value(), laser.index, -1, value, false});
  }
  std::shared_ptr<simd::Client> c_;
};

}  // namespace

Result<Backend> open_simd(const Uri& uri, const OpenOptions&) {
  const std::string_view form = scheme_form("simd");
  CPO_RETURN_IF_ERROR(check_params(uri, kParams, form));
  if (uri.target.empty()) {
    return error(Code::invalid_argument, fmt::format("{}: no socket (form: {})", uri.text, form));
  }
  auto driver_options = reference_options(uri);
  if (!driver_options) return driver_options.status();
  const std::string path =
      uri.target.find('/') == std::string::npos ? fmt::format("{}{}.sock", kDefaultDir, uri.target) : uri.target;
  simd::ConnectOptions options;
  options.client_name = program_invocation_short_name;
  auto client = simd::Client::connect(path, options);
  if (!client) return client.status().with_context(uri.text);
  std::shared_ptr<simd::Client> c = std::move(client).value();
  std::vector<Bar*> bars;
  for (std::size_t u = 0; u < c->unit_count(); ++u) bars.push_back(&c->bar(u));
  auto driver = reference::ReferenceDriver::open(c->platform(), bars, *driver_options);
  if (!driver) return driver.status().with_context(uri.text);

  Backend b;
  b.transport.push_back(c);
  b.platform = std::make_shared<const Platform>(c->platform());
  b.driver = std::move(driver).value();
  simd::Client* raw = c.get();  // the transport outlives every use of the clock
  b.now = [raw] { return raw->now(); };
  b.sleep = [raw](std::chrono::nanoseconds d) { (void)raw->advance(d); };
  b.simulator = std::make_unique<SimdControl>(c);
  return b;
}

}  // namespace cpo::sdk
