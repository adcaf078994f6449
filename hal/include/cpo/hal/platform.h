// The platform topology of a CPO switch: units -> ports -> lanes -> optical engine bank
// and laser -> external laser source (ELS) module; and the impact queries built on it.
//
// A Platform is loaded from a profile (docs/profiles.md): a built-in one by name
// ("cpo144", "bailly51t", "davisson102t") or a JSON file. Loading validates the whole
// document first; a profile is either loaded completely or rejected with an error naming
// the offending entry, never partially.
//
// Thread safety: a Platform is immutable after loading; every const member may be called
// from any number of threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cpo/hal/breakout.h"
#include "cpo/hal/ids.h"
#include "cpo/hal/status.h"
#include "cpo/hal/units.h"

namespace cpo {

struct UnitInfo {
  UnitId id;
  std::string name;
};

struct PortInfo {
  PortId id;
  UnitId unit;
  std::vector<LaneId> lanes;  // in port order: lanes[0] is the port's lane 0
  std::string alias;          // the profile's front-panel name ("etp1"), empty when none
};

struct LaneInfo {
  LaneId id;
  PortId port;
  std::uint32_t index_in_port = 0;
  UnitId unit;
  OeId oe;
  BankId bank;
  std::uint32_t index_in_bank = 0;  // CMIS lane within its bank, 0..7
  LaserRef laser;
};

struct BankInfo {
  BankId id;
  std::vector<LaneId> lanes;  // in CMIS lane order
};

struct OeInfo {
  OeId id;
  UnitId unit;
  std::vector<BankInfo> banks;
};

struct LaserInfo {
  LaserRef ref;
  std::vector<LaneId> lanes;  // lanes this laser lights
};

// OIF-ELSFP-CMIS: pages 1Ah/1Bh describe the lasers of an ELS 8 per bank (bank b holds
// lasers 8b..8b+7), so a 16-laser ELS has banks 0 and 1.
inline constexpr std::uint32_t kLasersPerElsBank = 8;

struct ElsInfo {
  ElsId id;
  std::vector<LaserInfo> lasers;
  // CMIS banks of the module: the one definition every layer uses (ValidatedDriver, the
  // reference device's argument check, the simulator).
  [[nodiscard]] std::uint32_t cmis_banks() const noexcept {
    return static_cast<std::uint32_t>((lasers.size() + kLasersPerElsBank - 1) / kLasersPerElsBank);
  }
};

// One relocated ELSFP page of the profile's `els_cmis_page_map`: the ELS modules serve the
// OIF-ELSFP-CMIS page `logical` (1Ah, 1Bh: what the codec and the SDK address) at upper page
// `physical` (a vendor layout, e.g. B0h), with the same banks.
struct ElsPageRelocation {
  std::uint8_t logical = 0;
  std::uint8_t physical = 0;
  friend bool operator==(const ElsPageRelocation&, const ElsPageRelocation&) = default;
};

// What one unit (ASIC) reaches, as contiguous switch-wide id ranges: its ports and lanes,
// the optical engines of those lanes, and the ELS modules whose lasers light them (an ELS
// may feed two units, so ELS ranges of neighbouring units may overlap).
struct UnitRanges {
  std::uint32_t first_port = 0, port_count = 0;
  std::uint32_t first_lane = 0, lane_count = 0;
  std::uint32_t first_oe = 0, oe_count = 0;
  std::uint32_t first_els = 0, els_count = 0;
};

// The current breakout of each port; ports not listed run the profile's default mode.
using BreakoutMap = std::map<PortId, BreakoutMode>;

// What failed, for the impact queries.
using FailureDomain = std::variant<LaserRef, ElsId, OeId>;
std::string to_string(const FailureDomain& domain);

class Platform {
 public:
  // A built-in profile by name. Errors: not_found listing the built-in names.
  static Result<Platform> builtin(std::string_view name);
  static std::vector<std::string> builtin_names();
  // A profile file, read through cpo::read_input_file. Errors: invalid_argument for every
  // problem with the file itself (missing, unreadable, not a regular file, over 16 MiB; see
  // input_file.h); invalid_argument, out_of_range or unsupported for its content, naming the entry.
  static Result<Platform> load_file(const std::filesystem::path& path) noexcept;
  // A profile document; `origin` names it in messages (file name or "builtin:cpo144").
  // Strict JSON: duplicate keys, control characters in strings, numbers out of range (1e309)
  // and nesting deeper than 32 are refused. Never throws.
  static Result<Platform> from_json(std::string_view text, std::string_view origin) noexcept;
  // A name of a built-in profile, or a path to a file (anything with '/' or ending ".json";
  // "-" reads standard input).
  static Result<Platform> resolve(std::string_view name_or_path);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& description() const noexcept { return description_; }
  [[nodiscard]] Gbps port_speed() const noexcept { return port_speed_; }
  [[nodiscard]] Gbps lane_rate() const noexcept { return lane_rate_; }
  [[nodiscard]] std::uint32_t lanes_per_bank() const noexcept { return lanes_per_bank_; }
  // The most optical power one laser may emit on this platform (its laser safety
  // classification); nullopt when the profile sets none.
  [[nodiscard]] std::optional<Milliwatts> laser_class_limit() const noexcept { return laser_class_limit_; }
  // Supported breakout modes; the first is the default.
  [[nodiscard]] const std::vector<BreakoutMode>& breakout_modes() const noexcept { return breakout_modes_; }
  [[nodiscard]] const BreakoutMode& default_breakout() const noexcept { return breakout_modes_.front(); }

  [[nodiscard]] std::span<const UnitInfo> units() const noexcept { return units_; }
  [[nodiscard]] std::span<const PortInfo> ports() const noexcept { return ports_; }
  [[nodiscard]] std::span<const LaneInfo> lanes() const noexcept { return lanes_; }
  [[nodiscard]] std::span<const OeInfo> optical_engines() const noexcept { return oes_; }
  [[nodiscard]] std::span<const ElsInfo> els_modules() const noexcept { return els_; }
  // The ELS modules' vendor page layout (profile key els_cmis_page_map), in logical page
  // order; empty for the standard OIF-ELSFP-CMIS layout.
  [[nodiscard]] std::span<const ElsPageRelocation> els_page_map() const noexcept { return els_page_map_; }
  // The upper page an ELS module serves logical page `logical` at: the relocated page for a
  // mapped ELSFP page, `logical` itself for any other page. nullopt for a page the map uses as
  // a relocated page's home (B0h under {"1Ah": "B0h"}): it has no logical name of its own,
  // and reading it would show page 1Ah twice.
  [[nodiscard]] std::optional<std::uint8_t> els_page(std::uint8_t logical) const noexcept;
  // The inverse: the logical page an ELS module's upper page `physical` holds. nullopt for the
  // standard number of a relocated page (1Ah under {"1Ah": "B0h"}): the module does not serve it.
  [[nodiscard]] std::optional<std::uint8_t> els_logical_page(std::uint8_t physical) const noexcept;
  [[nodiscard]] std::size_t bank_count() const noexcept;
  [[nodiscard]] std::size_t laser_count() const noexcept;

  // Lookups. Errors: out_of_range naming the id and the valid range.
  [[nodiscard]] Result<const UnitInfo*> unit(UnitId id) const;
  [[nodiscard]] Result<const PortInfo*> port(PortId id) const;
  [[nodiscard]] Result<const LaneInfo*> lane(LaneId id) const;
  [[nodiscard]] Result<const OeInfo*> optical_engine(OeId id) const;
  [[nodiscard]] Result<const ElsInfo*> els(ElsId id) const;
  [[nodiscard]] Result<const LaserInfo*> laser(const LaserRef& ref) const;
  // Ports of a unit, in id order.
  [[nodiscard]] Result<std::vector<PortId>> ports_of(UnitId id) const;
  // The unit's id ranges (see UnitRanges). Errors: out_of_range for the unit;
  // invalid_argument when its ports, lanes or OEs are not contiguous.
  [[nodiscard]] Result<UnitRanges> unit_ranges(UnitId id) const;

  // Checks a breakout mode against a port: one of the profile's modes, and it fits the
  // port's lanes. Errors: out_of_range for the port, unsupported naming the allowed modes.
  [[nodiscard]] Status check_breakout(PortId port, const BreakoutMode& mode) const;
  // The logical ports of `port` under `mode` with their lanes.
  [[nodiscard]] Result<std::vector<SubportLanes>> subports(PortId port, const BreakoutMode& mode) const;

  // Which logical ports lose light when `domain` fails, under `breakout` (ports absent
  // from it run the default mode). Sorted by port then sub-port. Errors: out_of_range for
  // an unknown laser, ELS or OE; the errors of check_breakout for a bad map entry.
  [[nodiscard]] Result<std::vector<LogicalPort>> impacted_ports(const FailureDomain& domain,
                                                                const BreakoutMap& breakout = {}) const;
  // The lanes that go dark when `domain` fails, in lane order.
  [[nodiscard]] Result<std::vector<LaneId>> impacted_lanes(const FailureDomain& domain) const;

 private:
  friend class PlatformBuilder;
  Platform() = default;

  std::string name_;
  std::string description_;
  Gbps port_speed_;
  Gbps lane_rate_;
  std::uint32_t lanes_per_bank_ = 8;
  std::optional<Milliwatts> laser_class_limit_;
  std::vector<BreakoutMode> breakout_modes_;
  std::vector<UnitInfo> units_;
  std::vector<PortInfo> ports_;
  std::vector<LaneInfo> lanes_;
  std::vector<OeInfo> oes_;
  std::vector<ElsInfo> els_;
  std::vector<ElsPageRelocation> els_page_map_;
};

}  // namespace cpo
