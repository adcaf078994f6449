// Object references as users type them, and the names the SDK prints.
//
// One parser for every front end (cpoctl, config files, Python, the C API):
//
//   port          59, Ethernet236 (SONiC name), etp60 (the profile's alias)
//   sub-port      59/2, Ethernet237 (SONiC names a sub-port by its first lane)
//   lane          lane148
//   optical eng.  oe5          CMIS bank   oe5/bank1
//   ELS module    els7         laser       els7/3 (ELS 7 laser 3)
//   unit          unit2
//
// SONiC names follow SONiC's port_config.ini: port p is Ethernet<p * lanes_per_port>, and a
// sub-port is named after its first lane (under 4x200G on 4-lane ports: Ethernet236,
// Ethernet237, Ethernet238, Ethernet239 are 59/0 .. 59/3). Numbers are decimal, without
// sign, leading zeros or blanks. Lists join items with ',' and numeric ranges use '-':
// "0-15,20", "els0-3", "oe5/bank0-2" is not a range (ranges are of whole items only).
//
// Errors: invalid_argument naming the text and listing the accepted forms; out_of_range
// naming the object and the valid range on this platform; not_found for a SONiC name or
// alias that names no port or no sub-port under the current breakout.
//
// Thread safety: pure functions of their arguments.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cpo/hal/events.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/platform.h"
#include "cpo/hal/status.h"

namespace cpo::sdk {

using ObjectRef = std::variant<PortId, LogicalPort, LaneId, OeId, OeBank, ElsId, LaserRef, UnitId>;

// The accepted forms, for messages and --help: "PORT (59, Ethernet236, etp60), ...".
[[nodiscard]] std::string_view object_forms() noexcept;

// Parses one reference. `breakout` is the current breakout (ports absent run the default
// mode); it is needed only to resolve SONiC names of sub-ports.
[[nodiscard]] Result<ObjectRef> parse_object(std::string_view text, const Platform& platform,
                                             const BreakoutMap& breakout = {});
// Parses a list with ranges: "0-15,20", "els7/0-3", "Ethernet0,Ethernet4". At most as many
// items as the platform has objects of that kind; duplicates are refused.
[[nodiscard]] Result<std::vector<ObjectRef>> parse_objects(std::string_view text, const Platform& platform,
                                                           const BreakoutMap& breakout = {});
// Like parse_objects but every item must be a port (sub-ports and SONiC sub-port names are
// refused naming the item).
[[nodiscard]] Result<std::vector<PortId>> parse_ports(std::string_view text, const Platform& platform,
                                                      const BreakoutMap& breakout = {});
// Every item must be a laser ("els7/3", "els7/0-7").
[[nodiscard]] Result<std::vector<LaserRef>> parse_lasers(std::string_view text, const Platform& platform);

// The canonical typed form: "59", "59/2", "lane148", "oe5", "oe5/bank1", "els7", "els7/3",
// "unit2". parse_object(format_object(x)) == x.
[[nodiscard]] std::string format_object(const ObjectRef& object);

// SONiC name of a port or of a sub-port under `breakout`: "Ethernet236". Errors:
// out_of_range for an unknown port or a sub-port the breakout does not have.
[[nodiscard]] Result<std::string> sonic_name(const Platform& platform, const LogicalPort& port,
                                             const BreakoutMap& breakout = {});

}  // namespace cpo::sdk
