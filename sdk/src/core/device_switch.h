// DeviceSwitch: the Switch every URI opens (a backend wrapped in the validating layer and the
// policies). Its state and the role of each source file are in switch_impl.h.
#pragma once

#include <memory>

#include "cpo/sdk/switch.h"

namespace cpo::sdk {

class DeviceSwitch final : public Switch {
 public:
  struct Impl;
  explicit DeviceSwitch(std::unique_ptr<Impl> impl);
  ~DeviceSwitch() override;

  using Switch::breakout;
  using Switch::set_laser_power;
  using Switch::snapshot;

  [[nodiscard]] const std::string& uri() const noexcept override;
  [[nodiscard]] const Platform& platform() const noexcept override;
  [[nodiscard]] const Capabilities& capabilities() const noexcept override;
  [[nodiscard]] const OpenOptions& options() const noexcept override;
  [[nodiscard]] Result<BreakoutMap> breakout_map() override;
  [[nodiscard]] Result<PortTelemetry> port(PortId port) override;
  Status set_admin(PortId port, AdminState state) override;
  Status set_admin(const LogicalPort& port, AdminState state) override;
  Status set_fec(PortId port, FecMode mode) override;
  [[nodiscard]] Result<std::uint32_t> mtu(const LogicalPort& port) override;
  Status set_mtu(const LogicalPort& port, std::uint32_t bytes) override;
  Result<BreakoutResult> breakout(std::span<const BreakoutGroupRequest> groups,
                                  const BreakoutOptions& options) override;
  [[nodiscard]] Result<LaneTelemetry> lane(LaneId lane) override;
  Status set_tx_fir(LaneId lane, const TxFir& taps) override;
  Status set_prbs(LaneId lane, const PrbsConfig& config) override;
  [[nodiscard]] Result<PrbsStatus> prbs(LaneId lane) override;
  [[nodiscard]] Result<LaserLimits> laser_limits(const LaserRef& laser) override;
  [[nodiscard]] Result<LaserStatus> laser_status(const LaserRef& laser) override;
  Result<FiberCheck> enable_laser(const LaserRef& laser, const EnableOptions& options) override;
  Status disable_laser(const LaserRef& laser, bool force) override;
  Status set_laser_power(const LaserRef& laser, Milliwatts power, const RampOptions& ramp) override;
  Status set_laser_bias(const LaserRef& laser, Milliamps bias, const RampOptions& ramp) override;
  Status set_laser_control_mode(const LaserRef& laser, cmis::ElsControlMode mode) override;
  Result<HotSwapReport> hot_swap(ElsId els, const HotSwapOptions& options) override;
  Status read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) override;
  Status write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) override;
  Status snapshot(Snapshot& out) override;
  Result<Subscription> subscribe(const EventFilter& filter, EventCallback callback) override;
  Result<Subscription> subscribe(const EventFilter& filter) override;
  [[nodiscard]] Result<std::vector<LaserStatus>> laser_statuses() override;
  [[nodiscard]] std::optional<Milliwatts> laser_class_limit() const override;
  Status set_laser_class_limit(std::optional<Milliwatts> limit) override;
  [[nodiscard]] std::vector<ThresholdRule> threshold_rules() const override;
  Status set_threshold_rules(const std::vector<ThresholdRule>& rules) override;
  [[nodiscard]] std::chrono::nanoseconds now() const override;
  void sleep_for(std::chrono::nanoseconds duration) override;
  [[nodiscard]] SimulatorControl* simulator() noexcept override;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace cpo::sdk
