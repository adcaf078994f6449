// Fault injection on a simulated switch (sim:// and, later, simd://), for tests, samples and
// demos that only include cpo/sdk. Switch::simulator() returns it; null on hardware.
//
// Every call acts on the model behind the register window, never through the driver (the
// driver sees the consequences as hardware would show them). Ids are switch-wide.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "cpo/hal/ids.h"
#include "cpo/hal/status.h"
#include "cpo/hal/units.h"

namespace cpo::sdk {

class SimulatorControl {
 public:
  virtual ~SimulatorControl() = default;

  // The laser dies (APC loop failure): its lanes go dark. repair_laser clears the failure
  // (the laser stays off until enabled again). Errors: out_of_range naming the laser.
  virtual Status fail_laser(const LaserRef& laser) = 0;
  virtual Status repair_laser(const LaserRef& laser) = 0;
  // Total loss of the fiber from a laser to its optical engine (nominal 1.5 dB; a dirty
  // connector adds a few dB; infinity disconnects it).
  virtual Status set_laser_fiber_loss(const LaserRef& laser, Decibels loss) = 0;
  // ELS hot-swap by hand: removal darkens every lane it lights; an inserted module starts
  // with its lasers off and unchecked. Errors: failed_precondition when already so.
  virtual Status remove_els(ElsId els) = 0;
  virtual Status insert_els(ElsId els) = 0;
  // The laser-safety interlock of an ELS: opening it turns every laser of the module off at
  // once; closing it lights nothing (each laser is enabled again through its fiber check).
  // Errors: out_of_range naming the ELS; failed_precondition when already open / closed.
  virtual Status open_interlock(ElsId els) = 0;
  virtual Status close_interlock(ElsId els) = 0;
  // The front-panel fiber of a port (lane_in_port < 0: every lane): total loss, or a cut.
  virtual Status set_port_fiber_loss(PortId port, int lane_in_port, Decibels loss) = 0;
  virtual Status cut_port_fiber(PortId port, int lane_in_port = -1) = 0;
  // Optical engine fault and repair.
  virtual Status fail_oe(OeId oe) = 0;
  virtual Status repair_oe(OeId oe) = 0;
  // Thermal: coolant inlet temperature; extra steady-state rise of one OE.
  virtual Status set_coolant_temperature(Celsius temperature) = 0;
  virtual Status overheat_oe(OeId oe, Celsius extra_rise) = 0;
  // SerDes SNR penalty of one lane (raises its pre-FEC BER).
  virtual Status degrade_lane(LaneId lane, Decibels snr_penalty) = 0;
  // A unit's firmware stops serving commands (they time out) until released.
  virtual Status hang_firmware(UnitId unit, bool hung) = 0;

  // State-changing register writes the driver made to every unit since the switch was
  // created (the status snapshot channel's requests, which change nothing, are not counted):
  // tests prove a refused request wrote nothing.
  [[nodiscard]] virtual Result<std::uint64_t> device_writes() const = 0;

  // A copy of one unit's whole register window (the reference device interface,
  // docs/device-interface.md; 32-bit words, word i at byte offset 4 * i), taken from the
  // model without the driver. Tests compare device state with it byte for byte. Errors:
  // out_of_range for an unknown unit; unsupported where the simulator is out of process.
  [[nodiscard]] virtual Result<std::vector<std::uint32_t>> register_window(UnitId unit) const {
    return Status(Code::unsupported,
                  "this simulator does not export the register window of " + to_string(unit) + " (sim:// does)");
  }
};

}  // namespace cpo::sdk
