// Strong identifier types for the objects of a CPO switch.
//
// Every id is a zero-based index within its scope, as listed in the platform profile:
// unit, port, lane, optical engine and ELS ids are switch-wide; a bank is numbered within
// its optical engine, a laser within its ELS, a sub-port within its port. Distinct types
// keep a lane id from being passed where a port id is expected.
//
// Thread safety: plain values.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace cpo {

template <typename Tag>
class Id {
 public:
  using value_type = std::uint32_t;
  constexpr Id() noexcept = default;
  constexpr explicit Id(value_type value) noexcept : value_(value) {}
  [[nodiscard]] constexpr value_type value() const noexcept { return value_; }
  friend constexpr auto operator<=>(Id, Id) noexcept = default;

 private:
  value_type value_ = 0;
};

struct UnitTag {};
struct PortTag {};
struct LaneTag {};
struct OeTag {};
struct BankTag {};
struct ElsTag {};

using UnitId = Id<UnitTag>;  // one switch ASIC of a multi-ASIC switch
using PortId = Id<PortTag>;  // a front-panel port (a port group of lanes)
using LaneId = Id<LaneTag>;  // a host SerDes lane
using OeId = Id<OeTag>;      // a co-packaged optical engine
using BankId = Id<BankTag>;  // a CMIS bank (8 lanes) within an optical engine
using ElsId = Id<ElsTag>;    // a field-replaceable external laser source module

// A laser: its ELS module and its index within the module.
struct LaserRef {
  ElsId els;
  std::uint32_t index = 0;
  friend constexpr auto operator<=>(const LaserRef&, const LaserRef&) noexcept = default;
};

// A logical port: a sub-port of a front-panel port under its current breakout.
// Sub-port 0 is the whole port under 1xN.
struct LogicalPort {
  PortId port;
  std::uint32_t subport = 0;
  friend constexpr auto operator<=>(const LogicalPort&, const LogicalPort&) noexcept = default;
};

// The names used in every message: "unit 2", "port 37", "lane 148", "oe 5", "oe 5 bank 2",
// "els 7", "els 7 laser 3", "port 37/2".
std::string to_string(UnitId id);
std::string to_string(PortId id);
std::string to_string(LaneId id);
std::string to_string(OeId id);
std::string to_string(ElsId id);
std::string to_string(OeId oe, BankId bank);
std::string to_string(const LaserRef& laser);
std::string to_string(const LogicalPort& port);

}  // namespace cpo

template <typename Tag>
struct std::hash<cpo::Id<Tag>> {
  std::size_t operator()(cpo::Id<Tag> id) const noexcept { return std::hash<std::uint32_t>{}(id.value()); }
};
