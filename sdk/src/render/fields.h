// The one table of telemetry fields behind both renderings (render_json, render_prometheus).
//
// Every value a snapshot exports is named once here, per object kind: a base name, a unit,
// a kind (gauge, counter, boolean, enumeration, flag set, ...), a help text and a getter.
// The renderers derive the spellings from that row:
//   JSON key     = name + unit's JSON suffix                 rx_power + _mw   -> rx_power_mw
//   metric name  = cpo_ + object + _ + name + base-unit suffix (+ _total for counters)
//                                                             -> cpo_lane_rx_power_watts
// and scale the value to the Prometheus base unit (mW -> W, mA -> A, Gb/s -> bytes/s, ...).
// The identity of an object (its ids, its SONiC name) is a second, smaller table per kind
// ("keys"): JSON members holding numbers, Prometheus labels holding the same numbers as text.
//
// docs/telemetry.md lists every key and family these tables produce; a row added here must
// be added there too.
//
// Private to sdk/src/render (json.cpp, prometheus.cpp) and the tests that check the docs.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cpo/hal/cmis/pages.h"
#include "cpo/hal/platform.h"
#include "cpo/hal/telemetry.h"
#include "cpo/sdk/telemetry.h"

namespace cpo::sdk::render {

// ------------------------------------------------------------------------------ units

enum class Unit : std::uint8_t {
  none,         // a count or an index
  celsius,      // degC
  volts,        // V
  milliwatts,   // mW (JSON), W (Prometheus)
  milliamps,    // mA (JSON), A (Prometheus)
  watts,        // W
  decibels,     // dB
  ratio,        // a dimensionless ratio (BER)
  gbps,         // Gb/s (JSON), bytes/s (Prometheus)
  nanometers,   // nm (JSON), m (Prometheus)
  hours,        // h (JSON), s (Prometheus)
  nanoseconds,  // ns (JSON), s (Prometheus)
  pj_per_bit,   // pJ/bit (JSON), J/bit (Prometheus)
  codewords,    // FEC codewords
  bits,         // a count of bits: JSON suffix _bits, no Prometheus suffix (promtool's lint
                // takes "bits" for a non-base unit of data)
};

struct UnitSpelling {
  std::string_view json;  // suffix of the JSON key
  std::string_view prom;  // suffix of the metric name (a Prometheus base unit)
  double mul = 1.0;       // Prometheus value = JSON value * mul / 10^shift (mul: exact integers)
  int shift = 0;
};

constexpr UnitSpelling spelling(Unit unit) noexcept {
  switch (unit) {
    case Unit::none: return {"", "", 1.0, 0};
    case Unit::celsius: return {"_c", "_celsius", 1.0, 0};
    case Unit::volts: return {"_v", "_volts", 1.0, 0};
    case Unit::milliwatts: return {"_mw", "_watts", 1.0, 3};
    case Unit::milliamps: return {"_ma", "_amperes", 1.0, 3};
    case Unit::watts: return {"_w", "_watts", 1.0, 0};
    case Unit::decibels: return {"_db", "_decibels", 1.0, 0};
    case Unit::ratio: return {"", "_ratio", 1.0, 0};
    case Unit::gbps: return {"_gbps", "_bytes_per_second", 1.25e8, 0};  // 1e9 / 8
    case Unit::nanometers: return {"_nm", "_meters", 1.0, 9};
    case Unit::hours: return {"_hours", "_seconds", 3600.0, 0};
    case Unit::nanoseconds: return {"_ns", "_seconds", 1.0, 9};
    case Unit::pj_per_bit: return {"_pj_per_bit", "_joules_per_bit", 1.0, 12};
    case Unit::codewords: return {"_codewords", "_codewords", 1.0, 0};
    case Unit::bits: return {"_bits", "", 1.0, 0};
  }
  return {"", "", 1.0, 0};
}

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), 0 when the bytes there
// are not UTF-8 (both renderers replace those by U+FFFD so their output always parses).
inline std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

// Writes v in decimal at p (room for 20 bytes); returns the end. Small numbers (most counts,
// ids and flags) take a short path.
inline char* write_u64(char* p, std::uint64_t v) noexcept {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  if (v < 100) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
    return p + 2;
  }
  return std::to_chars(p, p + 20, v).ptr;
}
inline char* write_i64(char* p, std::int64_t v) noexcept {
  if (v >= 0) return write_u64(p, static_cast<std::uint64_t>(v));
  *p++ = '-';
  return write_u64(p, ~static_cast<std::uint64_t>(v) + 1u);
}

inline constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};

// Writes the finite value v / 10^shift (shift 0..12) into buf (48 bytes); returns the end.
// Telemetry sits on decimal grids (0.1 uW, 1/256 degC, 100 uV, ...): when v is an integer or
// an exact multiple of 1e-9 below 1e6, its decimal digits are written with the point moved
// `shift` places (fast, and exact: 0.5123 mW is 0.0005123 W; below 1e-4 in exponent form,
// 1.0905e-11). Anything else is divided in double arithmetic and written by std::to_chars
// (the shortest spelling that reads back). Both spellings are valid JSON numbers and
// Prometheus floats.
inline char* format_decimal(char* buf, double v, int shift = 0) noexcept {
  const double a = std::fabs(v);
  std::uint64_t n = 0;
  int e = 0;  // |v| = n * 10^-e
  if (a < 9e15 && static_cast<double>(n = static_cast<std::uint64_t>(a)) == a) {
    // an integer
  } else if (a < 1e6 && static_cast<double>(n = static_cast<std::uint64_t>(a * 1e9 + 0.5)) / 1e9 == a) {
    e = 9;
  } else {
    return std::to_chars(buf, buf + 48, shift == 0 ? v : v / kPow10[shift]).ptr;
  }
  e += shift;
  while (e >= 3 && n % 1000 == 0) {
    n /= 1000;
    e -= 3;
  }
  while (e > 0 && n % 10 == 0) {
    n /= 10;
    --e;
  }
  std::array<char, 24> digits;
  const auto len = static_cast<int>(write_u64(digits.data(), n) - digits.data());
  char* p = buf;
  if (std::signbit(v)) *p++ = '-';
  const auto copy = [&](int from, int count) {
    for (int k = 0; k < count; ++k) *p++ = digits[static_cast<std::size_t>(from + k)];
  };
  if (e == 0) {
    copy(0, len);
  } else if (len > e) {
    copy(0, len - e);
    *p++ = '.';
    copy(len - e, e);
  } else if (e - len < 4) {
    *p++ = '0';
    *p++ = '.';
    for (int k = 0; k < e - len; ++k) *p++ = '0';
    copy(0, len);
  } else {  // small: d.ddde-N (1.0904986625e-11 rather than 0.0000000000109...)
    copy(0, 1);
    if (len > 1) {
      *p++ = '.';
      copy(1, len - 1);
    }
    *p++ = 'e';
    *p++ = '-';
    p = write_u64(p, static_cast<std::uint64_t>(e - len + 1));
  }
  return p;
}

// ------------------------------------------------------------------------------ values

enum class Kind : std::uint8_t {
  gauge,        // a number; Prometheus gauge
  counter,      // a monotonic count; Prometheus counter, name ends in _total
  boolean,      // JSON true/false; Prometheus gauge 0/1
  enumeration,  // JSON the name; Prometheus gauge 1 with the name in the row's label
  flags,        // JSON array of the names set; Prometheus gauge 0/1 per flag, label "flag"
  lanes,        // JSON array of lane ids; not exported to Prometheus
  thresholds,   // JSON {"high_alarm":..,...}; Prometheus gauge per level, label "level"
};

// What a value remembers of the path the device took. Two switches with the same profile and
// seed that run the same configuration for the same device time agree, byte for byte, on
// every value that remembers nothing: the physics is deterministic and settles (measurements
// included, once thermal transients have died out). Counters (Kind::counter: link
// transitions, FEC codewords, publishes, insertions) count events since reset, and a few
// values record the last event (a port's down cause), so they tell a switch that was
// reconfigured and put back from one that never changed. tests/sdk/config_test.cpp compares
// a rolled-back switch with such a twin through render_json_path_independent.
enum class Memory : std::uint8_t {
  none,        // a setting, a state or a measurement: a function of where the device is
  last_event,  // what the most recent event of its kind was
};

// Where a row appears.
enum class Target : std::uint8_t { both, json, prom };

constexpr bool in_json(Target t) noexcept { return t != Target::prom; }
constexpr bool in_prom(Target t) noexcept { return t != Target::json; }

// The four thresholds of a monitor, in page 02h order, and their names (JSON keys, the
// Prometheus "level" label).
inline constexpr std::array<std::string_view, 4> kThresholdLevels = {"high_alarm", "low_alarm", "high_warning",
                                                                     "low_warning"};

struct FlagsView {
  std::uint32_t mask = 0;                   // bit i: names[i] is set
  std::span<const std::string_view> names;  // every flag of the set's enum, in enum order
};

// The names of every flag of E, in all_flags order (built once).
template <typename E>
std::span<const std::string_view> flag_names() {
  static constexpr std::size_t kCount = all_flags(E{}).size();
  static const std::array<std::string_view, kCount> names = [] {
    std::array<std::string_view, kCount> n{};
    std::size_t i = 0;
    for (E f : all_flags(E{})) n[i++] = to_string(f);
    return n;
  }();
  return names;
}

struct Value {
  enum class Type : std::uint8_t { f64, u64, i64, boolean, text, flags, lanes, thresholds };
  Type type = Type::f64;
  bool b = false;
  double f = 0.0;
  std::uint64_t u = 0;
  std::int64_t i = 0;
  std::string_view text;
  FlagsView flags;
  std::span<const LaneId> lanes;
  std::array<double, 4> levels{};

  static Value of_f64(double v) noexcept {
    Value x;
    x.f = v;
    return x;
  }
  static Value of_u64(std::uint64_t v) noexcept {
    Value x;
    x.type = Type::u64;
    x.u = v;
    return x;
  }
  static Value of_i64(std::int64_t v) noexcept {
    Value x;
    x.type = Type::i64;
    x.i = v;
    return x;
  }
  static Value of_bool(bool v) noexcept {
    Value x;
    x.type = Type::boolean;
    x.b = v;
    return x;
  }
  static Value of_text(std::string_view v) noexcept {
    Value x;
    x.type = Type::text;
    x.text = v;
    return x;
  }
  template <typename E>
  static Value of_flags(FlagSet<E> set) {
    Value x;
    x.type = Type::flags;
    x.flags.names = flag_names<E>();
    std::uint32_t bit = 0;
    for (E f : all_flags(E{})) {
      if (set.has(f)) x.flags.mask |= 1u << bit;
      ++bit;
    }
    return x;
  }
  static Value of_lanes(std::span<const LaneId> v) noexcept {
    Value x;
    x.type = Type::lanes;
    x.lanes = v;
    return x;
  }
  template <typename Q>
  static Value of_thresholds(const cmis::ThresholdSet<Q>& t) noexcept {
    Value x;
    x.type = Type::thresholds;
    x.levels = {t.high_alarm.value(), t.low_alarm.value(), t.high_warning.value(), t.low_warning.value()};
    return x;
  }
};

// ------------------------------------------------------------------------------ output

// Appends to a string by writing into its storage: the string is grown (and zero-filled) a
// chunk at a time (4 KiB, doubling up to 64 KiB), pieces are copied with plain memcpy, and
// the destructor cuts the string to what was written.
class Out {
 public:
  explicit Out(std::string& sink) : sink_(sink), p_(sink.data() + sink.size()), end_(p_) {}
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;
  ~Out() { sink_.resize(size()); }

  [[gnu::always_inline]] void put(std::string_view v) {
    if (static_cast<std::size_t>(end_ - p_) < v.size()) [[unlikely]]
      grow(v.size());
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
  }
  [[gnu::always_inline]] void put(char c) {
    if (p_ == end_) [[unlikely]]
      grow(1);
    *p_++ = c;
  }
  // Copies `n` bytes from `src` in 32-byte blocks, inline: `src` must be readable up to n
  // rounded up to a multiple of 32 (the renderers pad their scratch strings).
  [[gnu::always_inline]] void put_padded(const char* src, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n + kPad) [[unlikely]]
      grow(n + kPad);
    for (std::size_t i = 0; i < n; i += kPad) std::memcpy(p_ + i, src + i, kPad);
    p_ += n;
  }
  static constexpr std::size_t kPad = 32;
  // Room for `n` bytes written through the pointer, then done(end).
  [[gnu::always_inline]] char* room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
      grow(n);
    return p_;
  }
  [[gnu::always_inline]] void done(char* end) noexcept { p_ = end; }
  // Bytes of the string written so far.
  [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(p_ - sink_.data()); }

 private:
  // Grows the string by a chunk (the string's own growth keeps reallocations geometric).
  void grow(std::size_t n) {
    const std::size_t at = size();
    sink_.resize(at + n + std::clamp<std::size_t>(at, 4096, 65536));
    p_ = sink_.data() + at;
    end_ = sink_.data() + sink_.size();
  }
  std::string& sink_;
  char* p_;
  char* end_;
};

// Calls fn(std::integral_constant<std::size_t, I>{}) for I = 0..N-1, so fn can index a
// constexpr table with a constant.
template <std::size_t N, typename Fn>
constexpr void for_index(Fn&& fn) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (fn(std::integral_constant<std::size_t, I>{}), ...); }
  (std::make_index_sequence<N>{});
}

// ------------------------------------------------------------------------------ context

inline constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// What the getters need besides the row: the platform, the breakout spellings and the SONiC
// name of every lane under its port's current breakout (built once per rendering).
class Context {
 public:
  Context(const Platform& platform, const Snapshot& snapshot) : platform_(platform), snapshot_(snapshot) {
    for (const auto& mode : platform.breakout_modes()) mode_names_.push_back(mode.to_string());
    lane_names_.assign(platform.lanes().size(), kNone);
    // Every port under the default mode first, then the breakout each port reports.
    for (const PortInfo& port : platform.ports()) name_lanes(port, 0);
    for (const UnitTelemetry& unit : snapshot.units.units)
      for (const PortTelemetry& p : unit.ports)
        if (const PortInfo* info = port(p.port)) name_lanes(*info, p.breakout);
  }

  [[nodiscard]] const Platform& platform() const noexcept { return platform_; }
  [[nodiscard]] const Snapshot& snapshot() const noexcept { return snapshot_; }

  [[nodiscard]] const PortInfo* port(PortId id) const noexcept {
    return id.value() < platform_.ports().size() ? &platform_.ports()[id.value()] : nullptr;
  }
  [[nodiscard]] const LaneInfo* lane(LaneId id) const noexcept {
    return id.value() < platform_.lanes().size() ? &platform_.lanes()[id.value()] : nullptr;
  }
  [[nodiscard]] const UnitInfo* unit(std::uint32_t id) const noexcept {
    return id < platform_.units().size() ? &platform_.units()[id] : nullptr;
  }
  // The spelling of breakout mode `index` ("4x200G"); "unknown" for an index the profile
  // does not have.
  [[nodiscard]] std::string_view breakout_name(std::uint32_t index) const noexcept {
    return index < mode_names_.size() ? std::string_view(mode_names_[index]) : std::string_view("unknown");
  }
  // N of the SONiC name EthernetN of the logical port a lane belongs to; kNone when unknown.
  [[nodiscard]] std::uint32_t lane_name(LaneId id) const noexcept {
    return id.value() < lane_names_.size() ? lane_names_[id.value()] : kNone;
  }
  // N of the port's SONiC name (its first lane's); kNone when unknown.
  [[nodiscard]] std::uint32_t port_name(PortId id) const noexcept {
    const PortInfo* info = port(id);
    return info != nullptr && !info->lanes.empty() ? info->lanes.front().value() : kNone;
  }

 private:
  // SONiC (port_config.ini): a sub-port is named after its first lane, Ethernet<lane id>.
  void name_lanes(const PortInfo& port, std::uint32_t mode) {
    const auto& modes = platform_.breakout_modes();
    if (mode >= modes.size() || port.lanes.empty()) return;
    const std::vector<SubportLanes>* layout = nullptr;
    for (const auto& c : layouts_)
      if (c.mode == mode && c.width == port.lanes.size()) layout = &c.subports;
    if (layout == nullptr) {
      auto subs = platform_.subports(port.id, modes[mode]);
      if (!subs) return;
      layouts_.push_back({mode, port.lanes.size(), std::move(*subs)});
      layout = &layouts_.back().subports;
    }
    for (const SubportLanes& s : *layout) {
      if (s.first >= port.lanes.size()) continue;
      const std::uint32_t name = port.lanes[s.first].value();
      for (std::uint32_t k = s.first; k < s.first + s.count && k < port.lanes.size(); ++k) {
        const std::uint32_t lane = port.lanes[k].value();
        if (lane < lane_names_.size()) lane_names_[lane] = name;
      }
    }
  }

  struct Layout {
    std::uint32_t mode;
    std::size_t width;
    std::vector<SubportLanes> subports;
  };
  const Platform& platform_;
  const Snapshot& snapshot_;
  std::vector<std::string> mode_names_;
  std::vector<std::uint32_t> lane_names_;
  std::vector<Layout> layouts_;
};

// ------------------------------------------------------------------------------ rows

// One object to render: its record and the unit it belongs to (kNone when unknown).
template <typename Row>
struct Item {
  const Row* row = nullptr;
  std::uint32_t unit = kNone;
};

// An identity member: a JSON key holding a number or a string, the Prometheus label of the
// same name.
struct KeyValue {
  enum class Type : std::uint8_t { none, number, text, ethernet };
  Type type = Type::none;
  std::uint64_t n = 0;  // number; N of EthernetN
  std::string_view text;

  static KeyValue number(std::uint64_t v) noexcept { return {Type::number, v, {}}; }
  static KeyValue text_of(std::string_view v) noexcept { return {Type::text, 0, v}; }
  static KeyValue ethernet(std::uint32_t v) noexcept {
    return v == kNone ? KeyValue{} : KeyValue{Type::ethernet, v, {}};
  }
  static KeyValue unit_of(std::uint32_t v) noexcept { return v == kNone ? KeyValue{} : number(v); }
};

template <typename Row>
struct Key {
  std::string_view name;
  Target target;
  KeyValue (*get)(const Item<Row>&, const Context&);
};

template <typename Row>
struct Field {
  std::string_view name;
  Unit unit;
  Kind kind;
  std::string_view label;  // enumeration: the Prometheus label holding the name
  Target target;
  std::string_view help;
  Value (*get)(const Row&, const Context&);
  // Prometheus only: objects for which the family has a sample (null: every object).
  bool (*sampled)(const Row&) = nullptr;
  Memory memory = Memory::none;
};

// Counters and last-event records: the values that depend on the device's history.
template <typename Row>
constexpr bool path_dependent(const Field<Row>& f) noexcept {
  return f.kind == Kind::counter || f.memory != Memory::none;
}

// The keys and fields of one kind. The arrays are referenced with their sizes so the
// renderers can walk them at compile time (each getter is then inlined where it is used).
template <typename Row, std::size_t NK, std::size_t NF>
struct Table {
  using row_type = Row;
  std::string_view list;    // JSON list ("lanes")
  std::string_view object;  // metric prefix: cpo_<object>_ ("lane")
  const Key<Row> (&keys)[NK];
  const Field<Row> (&fields)[NF];
};
template <typename Row, std::size_t NK, std::size_t NF>
Table(std::string_view, std::string_view, const Key<Row> (&)[NK], const Field<Row> (&)[NF]) -> Table<Row, NK, NF>;

// Shorthands for the tables below.
using VT = Value;
using KV = KeyValue;
constexpr Target kBoth = Target::both;
constexpr Target kJson = Target::json;

// ------------------------------------------------------------------------------ units

inline constexpr Key<UnitTelemetry> kUnitKeys[] = {
    {"unit", kBoth, [](const Item<UnitTelemetry>& it, const Context&) { return KV::number(it.row->unit.value()); }},
    {"name", kJson,
     [](const Item<UnitTelemetry>& it, const Context& c) {
       const UnitInfo* u = c.unit(it.row->unit.value());
       return u != nullptr ? KV::text_of(u->name) : KV{};
     }},
};
inline constexpr Field<UnitTelemetry> kUnitFields[] = {
    {"timestamp",
     Unit::nanoseconds,
     Kind::gauge,
     {},
     kBoth,
     "Device clock when the unit published this copy",
     [](const UnitTelemetry& u, const Context&) { return VT::of_i64(static_cast<std::int64_t>(u.timestamp.count())); }},
    {"generation",
     Unit::none,
     Kind::counter,
     {},
     kBoth,
     "Publish counter of the unit's status region",
     [](const UnitTelemetry& u, const Context&) { return VT::of_u64(u.generation); }},
    {"flags",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "Unit flags that hold (ready, resetting, thermal_shutdown)",
     [](const UnitTelemetry& u, const Context&) { return VT::of_flags(u.flags); }},
    {"coolant_temperature",
     Unit::celsius,
     Kind::gauge,
     {},
     kBoth,
     "Coolant inlet temperature",
     [](const UnitTelemetry& u, const Context&) { return VT::of_f64(u.coolant_temperature.value()); }},
    {"asic_temperature",
     Unit::celsius,
     Kind::gauge,
     {},
     kBoth,
     "Switch ASIC temperature",
     [](const UnitTelemetry& u, const Context&) { return VT::of_f64(u.asic_temperature.value()); }},
    {"optics_power",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Electrical power dissipated by the unit's optics",
     [](const UnitTelemetry& u, const Context&) { return VT::of_f64(u.optics_power.value()); }},
};
inline constexpr Table kUnitTable{"units", "unit", kUnitKeys, kUnitFields};

// ------------------------------------------------------------------------------ ports

inline constexpr Key<PortTelemetry> kPortKeys[] = {
    {"port", kBoth, [](const Item<PortTelemetry>& it, const Context&) { return KV::number(it.row->port.value()); }},
    {"unit", kBoth, [](const Item<PortTelemetry>& it, const Context&) { return KV::unit_of(it.unit); }},
    {"name", kBoth,
     [](const Item<PortTelemetry>& it, const Context& c) { return KV::ethernet(c.port_name(it.row->port)); }},
    {"alias", kJson,
     [](const Item<PortTelemetry>& it, const Context& c) {
       const PortInfo* p = c.port(it.row->port);
       return p != nullptr && !p->alias.empty() ? KV::text_of(p->alias) : KV{};
     }},
};
inline constexpr Field<PortTelemetry> kPortFields[] = {
    {"breakout", Unit::none, Kind::enumeration, "mode", kBoth, "Current breakout mode of the port",
     [](const PortTelemetry& p, const Context& c) { return VT::of_text(c.breakout_name(p.breakout)); }},
    {"subports",
     Unit::none,
     Kind::gauge,
     {},
     kBoth,
     "Sub-ports of the current breakout",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.subports); }},
    {"subport_speed",
     Unit::gbps,
     Kind::gauge,
     {},
     kBoth,
     "Configured speed of each sub-port",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.subport_speed.value()); }},
    {"speed",
     Unit::gbps,
     Kind::gauge,
     {},
     kBoth,
     "Configured speed of the whole port (sub-port speed x sub-ports)",
     [](const PortTelemetry& p, const Context&) {
       return VT::of_u64(static_cast<std::uint64_t>(p.subport_speed.value()) * p.subports);
     }},
    {"admin_state", Unit::none, Kind::enumeration, "state", kBoth, "Administrative state (up when any sub-port is)",
     [](const PortTelemetry& p, const Context&) { return VT::of_text(to_string(p.admin())); }},
    {"oper_state", Unit::none, Kind::enumeration, "state", kBoth, "Link state (up when any sub-port's link is)",
     [](const PortTelemetry& p, const Context&) { return VT::of_text(to_string(p.oper())); }},
    {"admin_mask",
     Unit::none,
     Kind::gauge,
     {},
     kJson,
     "Sub-ports admin up, bit s = sub-port s",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.admin_mask); }},
    {"oper_mask",
     Unit::none,
     Kind::gauge,
     {},
     kJson,
     "Sub-ports with link up, bit s = sub-port s",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.oper_mask); }},
    {"fec_mode", Unit::none, Kind::enumeration, "mode", kBoth, "FEC mode",
     [](const PortTelemetry& p, const Context&) { return VT::of_text(to_string(p.fec)); }},
    {"loopback", Unit::none, Kind::enumeration, "mode", kBoth, "Loopback mode",
     [](const PortTelemetry& p, const Context&) { return VT::of_text(to_string(p.loopback)); }},
    {"faults",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "Why the port is not up (several may hold)",
     [](const PortTelemetry& p, const Context&) { return VT::of_flags(p.faults); }},
    {"down_cause", Unit::none, Kind::enumeration, "cause", kBoth, "Why a link of the port went down last",
     [](const PortTelemetry& p, const Context&) { return VT::of_text(to_string(p.down_cause)); }, nullptr,
     Memory::last_event},
    {"link_downs",
     Unit::none,
     Kind::counter,
     {},
     kBoth,
     "Link-down transitions of any sub-port since reset",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.link_downs); }},
    {"link_ups",
     Unit::none,
     Kind::counter,
     {},
     kBoth,
     "Link-up transitions of any sub-port since reset",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.link_ups); }},
    {"fec_corrected",
     Unit::codewords,
     Kind::counter,
     {},
     kBoth,
     "FEC codewords corrected, sum over the port's lanes",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.fec_corrected); }},
    {"fec_uncorrected",
     Unit::codewords,
     Kind::counter,
     {},
     kBoth,
     "FEC codewords not correctable, sum over the port's lanes",
     [](const PortTelemetry& p, const Context&) { return VT::of_u64(p.fec_uncorrected); }},
};
inline constexpr Table kPortTable{"ports", "port", kPortKeys, kPortFields};

// ------------------------------------------------------------------------------ logical ports

inline constexpr Key<LogicalPortTelemetry> kLogicalPortKeys[] = {
    {"port", kBoth,
     [](const Item<LogicalPortTelemetry>& it, const Context&) { return KV::number(it.row->port.port.value()); }},
    {"subport", kBoth,
     [](const Item<LogicalPortTelemetry>& it, const Context&) { return KV::number(it.row->port.subport); }},
    {"unit", kBoth, [](const Item<LogicalPortTelemetry>& it, const Context&) { return KV::unit_of(it.unit); }},
    {"name", kBoth,
     [](const Item<LogicalPortTelemetry>& it, const Context& c) {
       if (!it.row->name.empty()) return KV::text_of(it.row->name);
       return it.row->lanes.empty() ? KV{} : KV::ethernet(c.lane_name(it.row->lanes.front()));
     }},
};
inline constexpr Field<LogicalPortTelemetry> kLogicalPortFields[] = {
    {"speed",
     Unit::gbps,
     Kind::gauge,
     {},
     kBoth,
     "Configured speed of the sub-port",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_u64(p.speed.value()); }},
    {"admin_state", Unit::none, Kind::enumeration, "state", kBoth, "Administrative state of the sub-port",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_text(to_string(p.admin)); }},
    {"oper_state", Unit::none, Kind::enumeration, "state", kBoth, "Link state of the sub-port",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_text(to_string(p.oper)); }},
    {"lanes",
     Unit::none,
     Kind::lanes,
     {},
     kJson,
     "Lanes of the sub-port",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_lanes(p.lanes); }},
    {"fec_corrected",
     Unit::codewords,
     Kind::counter,
     {},
     kBoth,
     "FEC codewords corrected, sum over its lanes",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_u64(p.fec_corrected); }},
    {"fec_uncorrected",
     Unit::codewords,
     Kind::counter,
     {},
     kBoth,
     "FEC codewords not correctable, sum over its lanes",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_u64(p.fec_uncorrected); }},
    {"pre_fec_ber_max",
     Unit::ratio,
     Kind::gauge,
     {},
     kBoth,
     "Pre-FEC bit error ratio of its worst lane",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_f64(p.pre_fec_ber_max); }},
    {"rx_power_min",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Received optical power of its weakest lane",
     [](const LogicalPortTelemetry& p, const Context&) { return VT::of_f64(p.rx_power_min.value()); }},
};
inline constexpr Table kLogicalPortTable{"logical_ports", "logical_port", kLogicalPortKeys, kLogicalPortFields};

// ------------------------------------------------------------------------------ lanes

inline KeyValue lane_info_key(const Item<LaneTelemetry>& it, const Context& c, std::uint64_t (*pick)(const LaneInfo&)) {
  const LaneInfo* l = c.lane(it.row->lane);
  return l != nullptr ? KV::number(pick(*l)) : KV{};
}

inline constexpr Key<LaneTelemetry> kLaneKeys[] = {
    {"lane", kBoth, [](const Item<LaneTelemetry>& it, const Context&) { return KV::number(it.row->lane.value()); }},
    {"unit", kBoth, [](const Item<LaneTelemetry>& it, const Context&) { return KV::unit_of(it.unit); }},
    {"port", kBoth,
     [](const Item<LaneTelemetry>& it, const Context& c) {
       return lane_info_key(it, c, [](const LaneInfo& l) -> std::uint64_t { return l.port.value(); });
     }},
    {"name", kBoth,
     [](const Item<LaneTelemetry>& it, const Context& c) { return KV::ethernet(c.lane_name(it.row->lane)); }},
    {"oe", kBoth,
     [](const Item<LaneTelemetry>& it, const Context& c) {
       return lane_info_key(it, c, [](const LaneInfo& l) -> std::uint64_t { return l.oe.value(); });
     }},
    {"bank", kBoth,
     [](const Item<LaneTelemetry>& it, const Context& c) {
       return lane_info_key(it, c, [](const LaneInfo& l) -> std::uint64_t { return l.bank.value(); });
     }},
    {"els", kJson,
     [](const Item<LaneTelemetry>& it, const Context& c) {
       return lane_info_key(it, c, [](const LaneInfo& l) -> std::uint64_t { return l.laser.els.value(); });
     }},
    {"laser", kJson,
     [](const Item<LaneTelemetry>& it, const Context& c) {
       return lane_info_key(it, c, [](const LaneInfo& l) -> std::uint64_t { return l.laser.index; });
     }},
};
// The PRBS checker's families are sampled only for lanes whose checker is on.
constexpr bool prbs_checking(const LaneTelemetry& l) noexcept { return l.prbs.checker; }
inline constexpr Field<LaneTelemetry> kLaneFields[] = {
    {"pre_fec_ber",
     Unit::ratio,
     Kind::gauge,
     {},
     kBoth,
     "Bit error ratio before FEC",
     [](const LaneTelemetry& l, const Context&) { return VT::of_f64(l.pre_fec_ber); }},
    {"snr",
     Unit::decibels,
     Kind::gauge,
     {},
     kBoth,
     "SerDes receiver signal-to-noise ratio",
     [](const LaneTelemetry& l, const Context&) { return VT::of_f64(l.snr.value()); }},
    {"rx_power",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Optical power received by the OE for this lane",
     [](const LaneTelemetry& l, const Context&) { return VT::of_f64(l.rx_power.value()); }},
    {"tx_power",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Optical power launched into the fiber for this lane",
     [](const LaneTelemetry& l, const Context&) { return VT::of_f64(l.tx_power.value()); }},
    {"laser_input_power",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Laser light arriving at the OE from its ELS for this lane (0 when not reported)",
     [](const LaneTelemetry& l, const Context&) { return VT::of_f64(l.laser_input_power.value()); }},
    {"signal_detect",
     Unit::none,
     Kind::boolean,
     {},
     kBoth,
     "Receiver detects a signal",
     [](const LaneTelemetry& l, const Context&) { return VT::of_bool(l.signal_detect); }},
    {"cdr_lock",
     Unit::none,
     Kind::boolean,
     {},
     kBoth,
     "Receiver clock and data recovery locked",
     [](const LaneTelemetry& l, const Context&) { return VT::of_bool(l.cdr_lock); }},
    {"tx_enabled",
     Unit::none,
     Kind::boolean,
     {},
     kBoth,
     "Transmitter enabled",
     [](const LaneTelemetry& l, const Context&) { return VT::of_bool(l.tx_enabled); }},
    {"tx_fir_pre",
     Unit::none,
     Kind::gauge,
     {},
     kJson,
     "Transmitter FIR pre-cursor tap, device tap steps",
     [](const LaneTelemetry& l, const Context&) { return VT::of_i64(l.tx_fir.pre); }},
    {"tx_fir_main",
     Unit::none,
     Kind::gauge,
     {},
     kJson,
     "Transmitter FIR main-cursor tap, device tap steps",
     [](const LaneTelemetry& l, const Context&) { return VT::of_i64(l.tx_fir.main); }},
    {"tx_fir_post",
     Unit::none,
     Kind::gauge,
     {},
     kJson,
     "Transmitter FIR post-cursor tap, device tap steps",
     [](const LaneTelemetry& l, const Context&) { return VT::of_i64(l.tx_fir.post); }},
    {"prbs_pattern", Unit::none, Kind::enumeration, "pattern", kJson, "Configured PRBS pattern",
     [](const LaneTelemetry& l, const Context&) { return VT::of_text(to_string(l.prbs.pattern)); }},
    {"prbs_generator",
     Unit::none,
     Kind::boolean,
     {},
     kJson,
     "PRBS generator transmits instead of traffic",
     [](const LaneTelemetry& l, const Context&) { return VT::of_bool(l.prbs.generator); }},
    {"prbs_checker",
     Unit::none,
     Kind::boolean,
     {},
     kJson,
     "PRBS checker compares received bits",
     [](const LaneTelemetry& l, const Context&) { return VT::of_bool(l.prbs.checker); }},
    {"prbs_lock",
     Unit::none,
     Kind::boolean,
     {},
     kBoth,
     "PRBS checker synchronised to the pattern",
     [](const LaneTelemetry& l, const Context&) { return VT::of_bool(l.prbs_lock); },
     prbs_checking},
    {"prbs_errored",
     Unit::bits,
     Kind::counter,
     {},
     kBoth,
     "PRBS checker bit errors since enabled or cleared",
     [](const LaneTelemetry& l, const Context&) { return VT::of_u64(l.prbs_errors); },
     prbs_checking},
    {"prbs_checked",
     Unit::bits,
     Kind::counter,
     {},
     kBoth,
     "Bits compared by the PRBS checker",
     [](const LaneTelemetry& l, const Context&) { return VT::of_u64(l.prbs_bits); },
     prbs_checking},
    {"fec_corrected",
     Unit::codewords,
     Kind::counter,
     {},
     kBoth,
     "FEC codewords corrected on this lane",
     [](const LaneTelemetry& l, const Context&) { return VT::of_u64(l.fec_corrected); }},
    {"fec_uncorrected",
     Unit::codewords,
     Kind::counter,
     {},
     kBoth,
     "FEC codewords not correctable on this lane",
     [](const LaneTelemetry& l, const Context&) { return VT::of_u64(l.fec_uncorrected); }},
    {"data_path_state", Unit::none, Kind::enumeration, "state", kBoth, "CMIS data path state (page 11h)",
     [](const LaneTelemetry& l, const Context&) { return VT::of_text(to_string(l.data_path_state)); }},
};
inline constexpr Table kLaneTable{"lanes", "lane", kLaneKeys, kLaneFields};

// ------------------------------------------------------------------------------ optical engines

inline constexpr Key<OeTelemetry> kOeKeys[] = {
    {"oe", kBoth, [](const Item<OeTelemetry>& it, const Context&) { return KV::number(it.row->oe.value()); }},
    {"unit", kBoth, [](const Item<OeTelemetry>& it, const Context&) { return KV::unit_of(it.unit); }},
};
inline constexpr Field<OeTelemetry> kOeFields[] = {
    {"module_state", Unit::none, Kind::enumeration, "state", kBoth, "CMIS module state",
     [](const OeTelemetry& o, const Context&) { return VT::of_text(cmis::to_string(o.module_state)); }},
    {"faults",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "Optical engine faults that hold",
     [](const OeTelemetry& o, const Context&) { return VT::of_flags(o.faults); }},
    {"temperature",
     Unit::celsius,
     Kind::gauge,
     {},
     kBoth,
     "Module temperature",
     [](const OeTelemetry& o, const Context&) { return VT::of_f64(o.temperature.value()); }},
    {"vcc",
     Unit::volts,
     Kind::gauge,
     {},
     kBoth,
     "Supply voltage",
     [](const OeTelemetry& o, const Context&) { return VT::of_f64(o.vcc.value()); }},
    {"power",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Electrical power dissipated",
     [](const OeTelemetry& o, const Context&) { return VT::of_f64(o.power.value()); }},
    {"threshold_flags",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "Temperature and Vcc threshold flags that hold",
     [](const OeTelemetry& o, const Context&) { return VT::of_flags(o.flags); }},
};
inline constexpr Table kOeTable{"oes", "oe", kOeKeys, kOeFields};

// ------------------------------------------------------------------------------ ELS modules

inline constexpr Key<ElsTelemetry> kElsKeys[] = {
    {"els", kBoth, [](const Item<ElsTelemetry>& it, const Context&) { return KV::number(it.row->els.value()); }},
    {"unit", kBoth, [](const Item<ElsTelemetry>& it, const Context&) { return KV::unit_of(it.unit); }},
};
// Vcc x ICC, to the nearest nW (as account_energy rounds).
inline double els_watts(const ElsTelemetry& e) {
  const double w = e.vcc.value() * e.supply_current.value() / 1000.0;
  return std::isfinite(w) && std::fabs(w) < 1e6 ? std::nearbyint(w * 1e9) / 1e9 : w;
}
inline constexpr Field<ElsTelemetry> kElsFields[] = {
    {"present",
     Unit::none,
     Kind::boolean,
     {},
     kBoth,
     "ELS module plugged in",
     [](const ElsTelemetry& e, const Context&) { return VT::of_bool(e.present); }},
    {"module_state", Unit::none, Kind::enumeration, "state", kBoth, "CMIS module state",
     [](const ElsTelemetry& e, const Context&) { return VT::of_text(cmis::to_string(e.module_state)); }},
    {"faults",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "ELS faults that hold (interlock_open: every laser held off)",
     [](const ElsTelemetry& e, const Context&) { return VT::of_flags(e.faults); }},
    {"temperature",
     Unit::celsius,
     Kind::gauge,
     {},
     kBoth,
     "Module temperature",
     [](const ElsTelemetry& e, const Context&) { return VT::of_f64(e.temperature.value()); }},
    {"vcc",
     Unit::volts,
     Kind::gauge,
     {},
     kBoth,
     "Supply voltage",
     [](const ElsTelemetry& e, const Context&) { return VT::of_f64(e.vcc.value()); }},
    {"supply_current",
     Unit::milliamps,
     Kind::gauge,
     {},
     kBoth,
     "Module supply current (ICC, ELSFP page 1Bh)",
     [](const ElsTelemetry& e, const Context&) { return VT::of_f64(e.supply_current.value()); }},
    {"power",
     Unit::watts,
     Kind::gauge,
     {},
     kBoth,
     "Electrical power drawn, supply voltage x supply current",
     [](const ElsTelemetry& e, const Context&) { return VT::of_f64(els_watts(e)); }},
    {"threshold_flags",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "Temperature and Vcc threshold flags that hold",
     [](const ElsTelemetry& e, const Context&) { return VT::of_flags(e.flags); }},
    {"insertions",
     Unit::none,
     Kind::counter,
     {},
     kBoth,
     "Times the module was inserted",
     [](const ElsTelemetry& e, const Context&) { return VT::of_u64(e.insert_count); }},
};
inline constexpr Table kElsTable{"els", "els", kElsKeys, kElsFields};

// ------------------------------------------------------------------------------ lasers

inline constexpr Key<LaserTelemetry> kLaserKeys[] = {
    {"els", kBoth,
     [](const Item<LaserTelemetry>& it, const Context&) { return KV::number(it.row->laser.els.value()); }},
    {"laser", kBoth, [](const Item<LaserTelemetry>& it, const Context&) { return KV::number(it.row->laser.index); }},
    {"unit", kBoth, [](const Item<LaserTelemetry>& it, const Context&) { return KV::unit_of(it.unit); }},
};
inline constexpr Field<LaserTelemetry> kLaserFields[] = {
    {"state", Unit::none, Kind::enumeration, "state", kBoth, "Laser state",
     [](const LaserTelemetry& l, const Context&) { return VT::of_text(to_string(l.state)); }},
    {"fault", Unit::none, Kind::enumeration, "code", kBoth, "Why the laser is not lit (none when it may be)",
     [](const LaserTelemetry& l, const Context&) { return VT::of_text(to_string(l.fault)); }},
    {"power_setpoint",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Optical output power set-point",
     [](const LaserTelemetry& l, const Context&) { return VT::of_f64(l.power_setpoint.value()); }},
    {"power",
     Unit::milliwatts,
     Kind::gauge,
     {},
     kBoth,
     "Optical output power monitor",
     [](const LaserTelemetry& l, const Context&) { return VT::of_f64(l.power.value()); }},
    {"bias",
     Unit::milliamps,
     Kind::gauge,
     {},
     kBoth,
     "Bias current",
     [](const LaserTelemetry& l, const Context&) { return VT::of_f64(l.bias.value()); }},
    {"temperature",
     Unit::celsius,
     Kind::gauge,
     {},
     kBoth,
     "Laser temperature",
     [](const LaserTelemetry& l, const Context&) { return VT::of_f64(l.temperature.value()); }},
    {"wavelength",
     Unit::nanometers,
     Kind::gauge,
     {},
     kBoth,
     "Emission wavelength",
     [](const LaserTelemetry& l, const Context&) { return VT::of_f64(l.wavelength_nm); }},
    {"age",
     Unit::hours,
     Kind::gauge,
     {},
     kBoth,
     "Operating time of the laser",
     [](const LaserTelemetry& l, const Context&) { return VT::of_u64(l.age_hours); }},
    {"flags",
     Unit::none,
     Kind::flags,
     {},
     kBoth,
     "Laser flags that hold (enabled, alarms, warnings)",
     [](const LaserTelemetry& l, const Context&) { return VT::of_flags(l.flags); }},
};
inline constexpr Table kLaserTable{"lasers", "laser", kLaserKeys, kLaserFields};

// ------------------------------------------------------------------------------ energy per port

inline constexpr Key<PortEnergy> kEnergyKeys[] = {
    {"port", kBoth, [](const Item<PortEnergy>& it, const Context&) { return KV::number(it.row->port.value()); }},
    {"unit", kBoth, [](const Item<PortEnergy>& it, const Context&) { return KV::unit_of(it.unit); }},
    {"name", kBoth,
     [](const Item<PortEnergy>& it, const Context& c) { return KV::ethernet(c.port_name(it.row->port)); }},
};
// Metric prefix "port": cpo_port_power_watts and friends sit next to the port's other metrics.
inline constexpr Field<PortEnergy> kEnergyFields[] = {
    {"laser_power",
     Unit::watts,
     Kind::gauge,
     {},
     kBoth,
     "Port's share of the electrical power of the ELS feeding it",
     [](const PortEnergy& e, const Context&) { return VT::of_f64(e.laser_watts); }},
    {"oe_power",
     Unit::watts,
     Kind::gauge,
     {},
     kBoth,
     "Port's share of the power of its optical engines",
     [](const PortEnergy& e, const Context&) { return VT::of_f64(e.oe_watts); }},
    {"power",
     Unit::watts,
     Kind::gauge,
     {},
     kBoth,
     "Optics power charged to the port (laser + optical engine share)",
     [](const PortEnergy& e, const Context&) { return VT::of_f64(e.watts); }},
    {"energy",
     Unit::pj_per_bit,
     Kind::gauge,
     {},
     kBoth,
     "Optics energy per bit at the port's configured speed (0 without speed)",
     [](const PortEnergy& e, const Context&) { return VT::of_f64(e.pj_per_bit); }},
};
inline constexpr Table kEnergyTable{"energy", "port", kEnergyKeys, kEnergyFields};

// ------------------------------------------------------------------------------ thresholds

inline constexpr Key<OeThresholds> kOeThresholdKeys[] = {
    {"oe", kBoth, [](const Item<OeThresholds>& it, const Context&) { return KV::number(it.row->oe.value()); }},
    {"unit", kBoth, [](const Item<OeThresholds>& it, const Context&) { return KV::unit_of(it.unit); }},
};
inline constexpr Field<OeThresholds> kOeThresholdFields[] = {
    {"temperature_threshold",
     Unit::celsius,
     Kind::thresholds,
     {},
     kBoth,
     "Module temperature thresholds (page 02h)",
     [](const OeThresholds& t, const Context&) { return VT::of_thresholds(t.thresholds.temperature); }},
    {"vcc_threshold",
     Unit::volts,
     Kind::thresholds,
     {},
     kBoth,
     "Supply voltage thresholds (page 02h)",
     [](const OeThresholds& t, const Context&) { return VT::of_thresholds(t.thresholds.vcc); }},
    {"tx_power_threshold",
     Unit::milliwatts,
     Kind::thresholds,
     {},
     kBoth,
     "Lane Tx power thresholds (page 02h)",
     [](const OeThresholds& t, const Context&) { return VT::of_thresholds(t.thresholds.tx_power); }},
    {"tx_bias_threshold",
     Unit::milliamps,
     Kind::thresholds,
     {},
     kBoth,
     "Lane Tx bias thresholds (page 02h)",
     [](const OeThresholds& t, const Context&) { return VT::of_thresholds(t.thresholds.tx_bias); }},
    {"rx_power_threshold",
     Unit::milliwatts,
     Kind::thresholds,
     {},
     kBoth,
     "Lane Rx power thresholds (page 02h)",
     [](const OeThresholds& t, const Context&) { return VT::of_thresholds(t.thresholds.rx_power); }},
};
inline constexpr Table kOeThresholdTable{"oes", "oe", kOeThresholdKeys, kOeThresholdFields};

inline constexpr Key<LaserThresholds> kLaserThresholdKeys[] = {
    {"els", kBoth,
     [](const Item<LaserThresholds>& it, const Context&) { return KV::number(it.row->laser.els.value()); }},
    {"laser", kBoth, [](const Item<LaserThresholds>& it, const Context&) { return KV::number(it.row->laser.index); }},
};
inline constexpr Field<LaserThresholds> kLaserThresholdFields[] = {
    {"power_threshold",
     Unit::milliwatts,
     Kind::thresholds,
     {},
     kBoth,
     "Laser output power thresholds (page 1Ah)",
     [](const LaserThresholds& t, const Context&) { return VT::of_thresholds(t.power); }},
    {"bias_threshold",
     Unit::milliamps,
     Kind::thresholds,
     {},
     kBoth,
     "Laser bias current thresholds (page 1Ah)",
     [](const LaserThresholds& t, const Context&) { return VT::of_thresholds(t.bias); }},
};
inline constexpr Table kLaserThresholdTable{"lasers", "laser", kLaserThresholdKeys, kLaserThresholdFields};

// ------------------------------------------------------------------------------ collection

// Every object of the snapshot, grouped per kind, in the snapshot's order. Objects the
// platform does not have and repeats of an object (same id) are left out, so each object
// renders once and every Prometheus series is unique.
struct Collected {
  std::vector<Item<UnitTelemetry>> units;
  std::vector<Item<PortTelemetry>> ports;
  std::vector<Item<LogicalPortTelemetry>> logical_ports;
  std::vector<Item<LaneTelemetry>> lanes;
  std::vector<Item<OeTelemetry>> oes;
  std::vector<Item<ElsTelemetry>> els;
  std::vector<Item<LaserTelemetry>> lasers;
  std::vector<Item<PortEnergy>> energy;
  std::vector<Item<OeThresholds>> oe_thresholds;
  std::vector<Item<LaserThresholds>> laser_thresholds;
};

// Marks ids seen; true the first time an id below the bound is offered.
class Seen {
 public:
  explicit Seen(std::size_t bound) : seen_(bound, false) {}
  bool first(std::size_t id) {
    if (id >= seen_.size() || seen_[id]) return false;
    seen_[id] = true;
    return true;
  }

 private:
  std::vector<bool> seen_;
};

inline Collected collect(const Platform& platform, const Snapshot& snapshot) {
  Collected c;
  const auto els_modules = platform.els_modules();
  // Flat laser numbering: first laser of each ELS.
  std::vector<std::size_t> laser_base(els_modules.size() + 1, 0);
  for (std::size_t e = 0; e < els_modules.size(); ++e) laser_base[e + 1] = laser_base[e] + els_modules[e].lasers.size();
  const auto laser_flat = [&](const LaserRef& r) -> std::size_t {
    const std::size_t e = r.els.value();
    if (e >= els_modules.size() || r.index >= els_modules[e].lasers.size()) return kNone;
    return laser_base[e] + r.index;
  };
  const auto port_unit = [&](PortId p) -> std::uint32_t {
    return p.value() < platform.ports().size() ? platform.ports()[p.value()].unit.value() : kNone;
  };

  Seen units(platform.units().size()), ports(platform.ports().size()), lanes(platform.lanes().size()),
      oes(platform.optical_engines().size()), els(els_modules.size()), lasers(laser_base.back());
  std::size_t n_ports = 0, n_lanes = 0, n_oes = 0, n_els = 0, n_lasers = 0;
  for (const UnitTelemetry& u : snapshot.units.units) {
    n_ports += u.ports.size();
    n_lanes += u.lanes.size();
    n_oes += u.oes.size();
    n_els += u.els.size();
    n_lasers += u.lasers.size();
  }
  c.units.reserve(snapshot.units.units.size());
  c.ports.reserve(n_ports);
  c.lanes.reserve(n_lanes);
  c.oes.reserve(n_oes);
  c.els.reserve(n_els);
  c.lasers.reserve(n_lasers);
  for (const UnitTelemetry& u : snapshot.units.units) {
    const std::uint32_t unit = u.unit.value();
    if (units.first(unit)) c.units.push_back({&u, unit});
    for (const auto& p : u.ports)
      if (ports.first(p.port.value())) c.ports.push_back({&p, unit});
    for (const auto& l : u.lanes)
      if (lanes.first(l.lane.value())) c.lanes.push_back({&l, unit});
    for (const auto& o : u.oes)
      if (oes.first(o.oe.value())) c.oes.push_back({&o, unit});
    for (const auto& e : u.els)
      if (els.first(e.els.value())) c.els.push_back({&e, unit});
    for (const auto& l : u.lasers)
      if (lasers.first(laser_flat(l.laser))) c.lasers.push_back({&l, unit});
  }

  std::size_t widest = 0;
  for (const PortInfo& p : platform.ports()) widest = std::max(widest, p.lanes.size());
  Seen logical(platform.ports().size() * widest);
  for (const auto& lp : snapshot.logical_ports) {
    const std::size_t p = lp.port.port.value();
    if (p < platform.ports().size() && lp.port.subport < widest && logical.first(p * widest + lp.port.subport))
      c.logical_ports.push_back({&lp, port_unit(lp.port.port)});
  }
  Seen energy(platform.ports().size());
  for (const auto& e : snapshot.energy)
    if (energy.first(e.port.value())) c.energy.push_back({&e, port_unit(e.port)});
  Seen oe_thr(platform.optical_engines().size());
  for (const auto& t : snapshot.oe_thresholds)
    if (oe_thr.first(t.oe.value()))
      c.oe_thresholds.push_back({&t, platform.optical_engines()[t.oe.value()].unit.value()});
  Seen laser_thr(laser_base.back());
  for (const auto& t : snapshot.laser_thresholds)
    if (laser_thr.first(laser_flat(t.laser))) c.laser_thresholds.push_back({&t, kNone});
  return c;
}

// render_json without the path-dependent fields (path_dependent above): equal for two
// switches in the same configuration and physical state whatever each went through. For
// tests that prove a rollback restored a switch (json.cpp).
[[nodiscard]] std::string render_json_path_independent(const Platform& platform, const Snapshot& snapshot,
                                                       bool pretty = false);

}  // namespace cpo::sdk::render
