// CMIS optics of the simulated switch: the OE and ELSFP memory maps (CMIS pages), the module,
// data path and laser state machines, optics faults and CMIS flags. Private to cposdk_sim;
// every method runs with the world lock held.
#pragma once

#include <cstdint>
#include <optional>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/hal/cmis/fields.h"

namespace cpo::sim {

namespace rd = cpo::refdev;

class World;
struct SwitchModel;
struct UnitModel;
struct FlagLatch;

class Optics {
 public:
  explicit Optics(World& world) noexcept : world_(world) {}

  // CmisRead / CmisWrite commands: the page the unit's mailbox arguments name.
  rd::Completion cmis_read(SwitchModel& s, UnitModel& u, std::uint32_t& bad_arg);
  rd::Completion cmis_write(SwitchModel& s, UnitModel& u, std::uint32_t& bad_arg);
  // The ELS module the unit's accepted mailbox command reads or writes (a CmisRead or
  // CmisWrite of an ELS page: a read clears latched flags), if any.
  [[nodiscard]] static std::optional<std::uint32_t> els_addressed(const UnitModel& u) noexcept;

  void oe_control_changed(SwitchModel& s, std::uint32_t oe);
  void oe_set_state(SwitchModel& s, std::uint32_t oe, rd::ModuleState st);
  void dp_evaluate(SwitchModel& s, std::uint32_t oe, std::uint32_t lane_in_oe);
  void laser_controls_changed(SwitchModel& s, std::uint32_t els);

  // Faults (the Backdoor's and thermal's).
  void els_remove(SwitchModel& s, std::uint32_t els);
  void els_insert(SwitchModel& s, std::uint32_t els);
  void laser_fail(SwitchModel& s, std::uint32_t els, std::uint32_t laser, rd::LaserFault why);
  // The ELS's laser-safety interlock opens (every laser off at once, latched) or closes
  // (nothing relights: the host enables each laser again through its fiber check).
  void els_interlock(SwitchModel& s, std::uint32_t els, bool open);
  void oe_fail(SwitchModel& s, std::uint32_t oe, bool unresponsive);
  void oe_repair(SwitchModel& s, std::uint32_t oe);

  // Latches `now_bits` into `f` and reports the newly raised bits as a CmisFlag event naming
  // element `element` of `field` (its page and byte).
  void raise_flag(SwitchModel& s, FlagLatch& f, std::uint8_t now_bits, bool is_oe, std::uint32_t obj_index,
                  std::uint32_t sub, const cmis::Field& field, unsigned element = 0);

 private:
  cmis::PageBytes oe_page(SwitchModel& s, std::uint32_t oe, std::uint32_t bank, std::uint32_t page, bool lower);
  cmis::PageBytes els_page(SwitchModel& s, std::uint32_t els, std::uint32_t bank, std::uint32_t page, bool lower);
  void laser_ramp(SwitchModel& s, std::uint32_t els, std::uint32_t laser, double from_mw, double to_mw);

  World& world_;
};

}  // namespace cpo::sim
