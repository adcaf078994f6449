// cpo::ValidatedDriver: the generic checks, made once above every backend.
//
// Wraps any Driver and the Platform it serves, and is itself a Driver. Every call first
// checks what does not depend on the backend - ids in range for the platform, the
// capability present in Driver::capabilities(), a breakout mode legal for the port under
// the profile, FEC modes legal for the lane rate, tx-FIR taps inside the advertised limits,
// a CMIS address inside one half page of an existing module and bank - and only then calls
// the backend (after DPDK's rte_eth_dev_set_mtu: port id, capability and range are checked
// before the driver's op). A refused call never reaches the backend.
//
// Errors added by this layer (besides those of the backend, passed through unchanged):
// - out_of_range: an unknown unit, port, lane, OE, OE bank or ELS; a tx-FIR tap outside
//   its limits; a CMIS offset above 255. The message names the object and the range.
// - unsupported: the backend lacks the capability, the FEC mode, PRBS pattern or loopback
//   mode; a breakout mode not in the profile or not fitting the port (from
//   Platform::check_breakout). The message names the backend and the allowed values.
// - invalid_argument: a CMIS transfer of 0 or more than 128 bytes or crossing byte 128; the
//   same port twice in one breakout call; a write in the module page view
//   (CmisPageView::physical); a logical ELS page the profile's page map uses as a relocated
//   page's home (B0h under {"1Ah": "B0h"}).
//
// ELS page numbers: the SDK addresses ELS pages by their OIF-ELSFP-CMIS numbers; this layer
// translates them through Platform::els_page (the profile's els_cmis_page_map) and hands the
// backend the page the module serves, marked CmisPageView::physical; cmis_flag events of ELS
// modules come back with the logical page.
//
// Thread safety: as thread-safe as the backend (the checks read only immutable data).
// Lifetime: `backend` and `platform` must outlive the ValidatedDriver.
#pragma once

#include "cpo/hal/backend/driver.h"
#include "cpo/hal/platform.h"

namespace cpo {

class ValidatedDriver final : public Driver {
 public:
  ValidatedDriver(Driver& backend, const Platform& platform) noexcept : backend_(backend), platform_(platform) {}

  [[nodiscard]] const Capabilities& capabilities() const noexcept override { return backend_.capabilities(); }
  [[nodiscard]] const Platform& platform() const noexcept { return platform_; }
  [[nodiscard]] Driver& backend() const noexcept { return backend_; }

  Status set_admin_state(PortId port, AdminState state) override;
  Status set_subport_admin_state(const LogicalPort& port, AdminState state) override;
  Status set_breakout(std::span<const BreakoutRequest> requests) override;
  Result<std::uint32_t> mtu(const LogicalPort& port) override;
  Status set_mtu(const LogicalPort& port, std::uint32_t bytes) override;
  Status set_fec(PortId port, FecMode mode) override;
  Status set_loopback(PortId port, LoopbackMode mode) override;
  Result<PortTelemetry> port_telemetry(PortId port) override;
  Result<OperState> oper_state(PortId port) override;
  Result<OperStateProbe> oper_state_probe(PortId port) override;
  Status set_tx_fir(LaneId lane, const TxFir& taps) override;
  Status set_prbs(LaneId lane, const PrbsConfig& config) override;
  Result<PrbsStatus> prbs_status(LaneId lane) override;
  Result<LaneTelemetry> lane_telemetry(LaneId lane) override;
  Status read_cmis(const CmisAddress& address, std::span<std::uint8_t> out) override;
  Status write_cmis(const CmisAddress& address, std::span<const std::uint8_t> bytes) override;
  Status read_telemetry(UnitId unit, UnitTelemetry& out) override;
  Status read_events(std::vector<Event>& out) override;
  Status reset_unit(UnitId unit) override;

 private:
  [[nodiscard]] Status check_subport(const LogicalPort& port) const;
  [[nodiscard]] Status check_cmis(const CmisAddress& address, std::size_t size, bool write) const;
  [[nodiscard]] Result<CmisAddress> module_address(const CmisAddress& address, bool write) const;

  Driver& backend_;
  const Platform& platform_;
};

}  // namespace cpo
