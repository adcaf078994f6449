// render_prometheus: the snapshot in the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/; docs/telemetry.md,
// "Prometheus").
//
// Families come from the field tables (render/fields.h), walked at compile time so every
// getter is inlined: cpo_<object>_<name><base unit>[_total], one "# HELP" and one "# TYPE"
// line each, then its samples. Each object's label set ({switch="..",unit="..",port="..",..)
// is rendered once per table into a scratch string and copied into every sample of that
// object; everything is written straight into one reserved string (render::Out), so nothing
// is allocated per sample. Label values are escaped (\\, \", \n) and bytes that are not UTF-8
// become U+FFFD; values that are not finite are spelled NaN, +Inf, -Inf.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cpo/sdk/telemetry.h"
#include "render/fields.h"

namespace cpo::sdk {
namespace {

using namespace std::string_view_literals;
using render::Context;
using render::for_index;
using render::Item;
using render::KeyValue;
using render::Kind;
using render::Out;
using render::UnitSpelling;
using render::utf8_length;
using render::Value;

// v / 10^shift in Prometheus spelling.
void put_double(Out& o, double v, int shift = 0) {
  if (std::isnan(v)) {
    o.put("NaN"sv);
  } else if (std::isinf(v)) {
    o.put(v > 0 ? "+Inf"sv : "-Inf"sv);
  } else {
    char* p = o.room(48);
    o.done(render::format_decimal(p, v, shift));
  }
}

[[gnu::always_inline]] inline void put_integer(Out& o, std::uint64_t v) {
  char* p = o.room(24);
  o.done(render::write_u64(p, v));
}
[[gnu::always_inline]] inline void put_integer(Out& o, std::int64_t v) {
  char* p = o.room(24);
  o.done(render::write_i64(p, v));
}

// A value in the metric's base unit: v * mul / 10^shift.
void put_scaled(Out& o, double v, const UnitSpelling& u) { put_double(o, u.mul != 1.0 ? v * u.mul : v, u.shift); }

// A label value: \ " and newline escaped, invalid UTF-8 replaced by U+FFFD.
template <typename Sink>
void put_label_value(Sink& out, std::string_view v) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c != '\\' && c != '"' && c != '\n') {
      const std::size_t n = utf8_length(v, i);
      if (n > 0) {
        i += n;
        continue;
      }
    }
    out.append(v.data() + run, i - run);
    switch (c) {
      case '\\': out.append("\\\\"sv); break;
      case '"': out.append("\\\""sv); break;
      case '\n': out.append("\\n"sv); break;
      default: out.append("\xEF\xBF\xBD"sv);  // U+FFFD
    }
    run = ++i;
  }
  out.append(v.data() + run, v.size() - run);
}

// put_label_value into an Out.
struct OutSink {
  Out& o;
  void append(const char* p, std::size_t n) { o.put(std::string_view(p, n)); }
  void append(std::string_view v) { o.put(v); }
};
void put_label(Out& o, std::string_view v) {
  bool plain = true;  // the common case: enumerator names, printable ASCII
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    plain = plain && c >= 0x20 && c < 0x80 && c != '\\' && c != '"';
  }
  if (plain) {
    o.put(v);
    return;
  }
  OutSink sink{o};
  put_label_value(sink, v);
}

void header(Out& o, std::string_view family, std::string_view type, std::string_view help) {
  o.put("# HELP "sv);
  o.put(family);
  o.put(' ');
  o.put(help);  // the tables' help texts hold no backslash or line break
  o.put("\n# TYPE "sv);
  o.put(family);
  o.put(' ');
  o.put(type);
  o.put('\n');
}

// Every object's label set, "{switch=..,unit=..": without the closing brace; `text` ends
// with Out::kPad bytes of padding so put_padded may read whole blocks.
struct Labels {
  std::string text;
  std::vector<std::size_t> ends;
  [[nodiscard]] std::string_view at(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(text).substr(begin, ends[i] - begin);
  }
};

// A family name with padding for put_padded.
struct Family {
  std::array<char, 128 + Out::kPad> text{};
  std::size_t size = 0;
  void clear() noexcept { size = 0; }
  void append(std::string_view v) noexcept {
    const std::size_t n = std::min(v.size(), 128 - size);
    std::memcpy(text.data() + size, v.data(), n);
    size += n;
  }
  [[nodiscard]] std::string_view view() const noexcept { return {text.data(), size}; }
};

// ,name="value"; `name` is a table constant, so its copy is inlined.
[[gnu::always_inline]] inline void put_key_label(Out& o, std::string_view name, const KeyValue& v) {
  if (v.type == KeyValue::Type::none) return;
  o.put(',');
  o.put(name);
  o.put("=\""sv);
  switch (v.type) {
    case KeyValue::Type::number: put_integer(o, v.n); break;
    case KeyValue::Type::text: put_label(o, v.text); break;
    case KeyValue::Type::ethernet:
      o.put("Ethernet"sv);
      put_integer(o, v.n);
      break;
    case KeyValue::Type::none: break;
  }
  o.put('"');
}

template <const auto& T>
void put_table(Out& o, const std::vector<Item<typename std::remove_cvref_t<decltype(T)>::row_type>>& items,
               const Context& ctx, std::string_view switch_label, Labels& labels, Family& family) {
  constexpr std::size_t kKeys = std::size(T.keys);
  constexpr std::size_t kFields = std::size(T.fields);
  labels.text.clear();
  labels.ends.clear();
  {
    Out lo(labels.text);
    for (const auto& item : items) {
      lo.put('{');
      lo.put(switch_label);
      for_index<kKeys>([&](auto i) {
        constexpr const auto& k = T.keys[decltype(i)::value];
        if constexpr (render::in_prom(k.target)) put_key_label(lo, k.name, k.get(item, ctx));
      });
      labels.ends.push_back(lo.size());
    }
  }
  labels.text.append(Out::kPad, '\0');

  for_index<kFields>([&](auto fi) {
    constexpr const auto& f = T.fields[decltype(fi)::value];
    if constexpr (render::in_prom(f.target) && f.kind != Kind::lanes) {
      constexpr UnitSpelling unit = render::spelling(f.unit);
      family.clear();
      family.append("cpo_"sv);
      family.append(T.object);
      family.append("_"sv);
      family.append(f.name);
      family.append(unit.prom);
      if constexpr (f.kind == Kind::counter) family.append("_total"sv);
      header(o, family.view(), f.kind == Kind::counter ? "counter"sv : "gauge"sv, f.help);
      const auto put_series = [&](std::string_view l) {  // family{labels  (no closing brace)
        o.put_padded(family.text.data(), family.size);
        o.put_padded(l.data(), l.size());
      };

      for (std::size_t i = 0; i < items.size(); ++i) {
        if (f.sampled != nullptr && !f.sampled(*items[i].row)) continue;  // folded: f is a constant
        const std::string_view l = labels.at(i);
        const Value v = f.get(*items[i].row, ctx);
        if constexpr (f.kind == Kind::enumeration) {
          put_series(l);
          o.put(',');
          o.put(f.label);
          o.put("=\""sv);
          put_label(o, v.text);
          o.put("\"} 1\n"sv);
        } else if constexpr (f.kind == Kind::flags) {
          for (std::size_t b = 0; b < v.flags.names.size(); ++b) {
            put_series(l);
            o.put(",flag=\""sv);
            o.put(v.flags.names[b]);
            o.put(((v.flags.mask >> b) & 1u) != 0 ? "\"} 1\n"sv : "\"} 0\n"sv);
          }
        } else if constexpr (f.kind == Kind::thresholds) {
          for (std::size_t t = 0; t < render::kThresholdLevels.size(); ++t) {
            put_series(l);
            o.put(",level=\""sv);
            o.put(render::kThresholdLevels[t]);
            o.put("\"} "sv);
            put_scaled(o, v.levels[t], unit);
            o.put('\n');
          }
        } else {
          put_series(l);
          o.put("} "sv);
          switch (v.type) {
            case Value::Type::f64: put_scaled(o, v.f, unit); break;
            case Value::Type::u64:
              if constexpr (unit.mul == 1.0 && unit.shift == 0) {
                put_integer(o, v.u);
              } else {
                put_scaled(o, static_cast<double>(v.u), unit);
              }
              break;
            case Value::Type::i64:
              if constexpr (unit.mul == 1.0 && unit.shift == 0) {
                put_integer(o, v.i);
              } else {
                put_scaled(o, static_cast<double>(v.i), unit);
              }
              break;
            case Value::Type::boolean: o.put(v.b ? '1' : '0'); break;
            default: o.put("NaN"sv); break;  // no other type is a plain number
          }
          o.put('\n');
        }
      }
    }
  });
}

}  // namespace

std::string render_prometheus(const Platform& platform, const Snapshot& snapshot, std::string_view switch_name) {
  const Context ctx(platform, snapshot);
  const render::Collected c = render::collect(platform, snapshot);

  std::string switch_label = "switch=\"";
  put_label_value(switch_label, switch_name);
  switch_label += '"';

  std::string text;
  // About 1.4 kB per lane and 0.5 kB per other object (cpo144: 1.35 MB), with some room,
  // plus the switch label on each of a lane's ~12 lines and an object's ~8.
  const std::size_t objects = c.units.size() + c.ports.size() + c.logical_ports.size() + c.oes.size() + c.els.size() +
                              c.lasers.size() + c.energy.size() + c.oe_thresholds.size() + c.laser_thresholds.size();
  const std::size_t sl = switch_label.size();
  text.reserve(c.lanes.size() * (1600 + 12 * sl) + objects * (640 + 8 * sl) + 8192);
  {
    Out o(text);
    header(o, "cpo_switch_info"sv, "gauge"sv, "The switch: its platform profile and the snapshot schema version"sv);
    o.put("cpo_switch_info{"sv);
    o.put(switch_label);
    o.put(",platform=\""sv);
    put_label(o, snapshot.platform.empty() ? std::string_view(platform.name()) : std::string_view(snapshot.platform));
    o.put("\",schema_version=\""sv);
    put_integer(o, static_cast<std::int64_t>(kSnapshotSchemaVersion));
    o.put("\"} 1\n"sv);
    header(o, "cpo_optics_power_watts"sv, "gauge"sv, "Optics power charged to the ports, sum over every port"sv);
    o.put("cpo_optics_power_watts{"sv);
    o.put(switch_label);
    o.put("} "sv);
    put_double(o, snapshot.total_optics_watts);
    o.put('\n');

    Labels labels;
    labels.text.reserve(c.lanes.size() * (switch_label.size() + 96) + 256);
    labels.ends.reserve(c.lanes.size() + 16);
    Family family;
    put_table<render::kUnitTable>(o, c.units, ctx, switch_label, labels, family);
    put_table<render::kPortTable>(o, c.ports, ctx, switch_label, labels, family);
    put_table<render::kLogicalPortTable>(o, c.logical_ports, ctx, switch_label, labels, family);
    put_table<render::kLaneTable>(o, c.lanes, ctx, switch_label, labels, family);
    put_table<render::kOeTable>(o, c.oes, ctx, switch_label, labels, family);
    put_table<render::kElsTable>(o, c.els, ctx, switch_label, labels, family);
    put_table<render::kLaserTable>(o, c.lasers, ctx, switch_label, labels, family);
    put_table<render::kEnergyTable>(o, c.energy, ctx, switch_label, labels, family);
    put_table<render::kOeThresholdTable>(o, c.oe_thresholds, ctx, switch_label, labels, family);
    put_table<render::kLaserThresholdTable>(o, c.laser_thresholds, ctx, switch_label, labels, family);
  }
  return text;
}

}  // namespace cpo::sdk
