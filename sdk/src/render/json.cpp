// render_json: the snapshot as one JSON document (docs/telemetry.md, "JSON").
//
// Written straight into the output from the field tables (render/fields.h), walked at
// compile time so every getter is inlined, and not through a DOM: a DOM of a cpo144 snapshot
// (about 25 000 members) costs milliseconds, and the document must cost at most ten
// snapshots. Member order is fixed: "schema_version" first, then the platform, the total and
// the lists. Numbers read back to the same double (render::format_decimal); a value that is
// not finite is null. Strings are escaped per RFC 8259 and bytes that are not UTF-8 become
// U+FFFD, so the output always parses.
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "cpo/sdk/telemetry.h"
#include "render/fields.h"

namespace cpo::sdk {
namespace {

using namespace std::string_view_literals;
using render::Context;
using render::for_index;
using render::Item;
using render::KeyValue;
using render::Out;
using render::utf8_length;
using render::Value;

// Layout: compact, or pretty with two spaces per level (small arrays and threshold sets stay
// on one line).
struct Style {
  bool pretty = false;
  [[nodiscard]] std::string_view colon() const { return pretty ? ": "sv : ":"sv; }
  [[nodiscard]] std::string_view comma() const { return pretty ? ", "sv : ","sv; }
  [[gnu::always_inline]] void newline(Out& o, std::size_t depth) const {
    if (pretty) indent(o, depth);
  }
  static void indent(Out& o, std::size_t depth) {
    o.put('\n');
    for (std::size_t i = 0; i < depth; ++i) o.put("  "sv);
  }
};

void put_string(Out& o, std::string_view s) {
  o.put('"');
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = c >= 0x80 ? utf8_length(s, i) : 0;
    if (n > 0) {  // a valid multi-byte sequence: copied
      i += n;
      continue;
    }
    o.put(s.substr(run, i - run));
    switch (c) {
      case '"': o.put("\\\""sv); break;
      case '\\': o.put("\\\\"sv); break;
      case '\n': o.put("\\n"sv); break;
      case '\r': o.put("\\r"sv); break;
      case '\t': o.put("\\t"sv); break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          o.put("\\u00"sv);
          o.put(kHex[c >> 4]);
          o.put(kHex[c & 0xF]);
        } else {
          o.put("\\ufffd"sv);  // not UTF-8
        }
    }
    run = ++i;
  }
  o.put(s.substr(run));
  o.put('"');
}

[[gnu::always_inline]] inline void put_number(Out& o, double v) {
  if (!std::isfinite(v)) {
    o.put("null"sv);
    return;
  }
  char* p = o.room(48);
  o.done(render::format_decimal(p, v));
}

[[gnu::always_inline]] inline void put_integer(Out& o, std::uint64_t v) {
  char* p = o.room(24);
  o.done(render::write_u64(p, v));
}
[[gnu::always_inline]] inline void put_integer(Out& o, std::int64_t v) {
  char* p = o.room(24);
  o.done(render::write_i64(p, v));
}

[[gnu::always_inline]] inline void put_key_value(Out& o, const KeyValue& v) {
  switch (v.type) {
    case KeyValue::Type::none: return;
    case KeyValue::Type::number: put_integer(o, v.n); return;
    case KeyValue::Type::text: put_string(o, v.text); return;
    case KeyValue::Type::ethernet:
      o.put("\"Ethernet"sv);
      put_integer(o, v.n);
      o.put('"');
      return;
  }
}

[[gnu::always_inline]] inline void put_value(Out& o, const Value& v, const Style& style) {
  switch (v.type) {
    case Value::Type::f64: put_number(o, v.f); return;
    case Value::Type::u64: put_integer(o, v.u); return;
    case Value::Type::i64: put_integer(o, v.i); return;
    case Value::Type::boolean: o.put(v.b ? "true"sv : "false"sv); return;
    case Value::Type::text: put_string(o, v.text); return;
    case Value::Type::flags: {
      o.put('[');
      bool first = true;
      for (std::size_t i = 0; i < v.flags.names.size(); ++i) {
        if (((v.flags.mask >> i) & 1u) == 0) continue;
        if (!first) o.put(style.comma());
        first = false;
        put_string(o, v.flags.names[i]);
      }
      o.put(']');
      return;
    }
    case Value::Type::lanes: {
      o.put('[');
      for (std::size_t i = 0; i < v.lanes.size(); ++i) {
        if (i != 0) o.put(style.comma());
        put_integer(o, static_cast<std::uint64_t>(v.lanes[i].value()));
      }
      o.put(']');
      return;
    }
    case Value::Type::thresholds:
      o.put('{');
      for (std::size_t i = 0; i < render::kThresholdLevels.size(); ++i) {
        if (i != 0) o.put(style.comma());
        o.put('"');
        o.put(render::kThresholdLevels[i]);
        o.put('"');
        o.put(style.colon());
        put_number(o, v.levels[i]);
      }
      o.put('}');
      return;
  }
}

// One list: `"name": [ {..}, {..} ]` at `depth` (the depth of the list's member);
// `kPathIndependent` leaves out the fields render::path_dependent names.
template <const auto& T, bool kPathIndependent = false>
void put_list(Out& o, const std::vector<Item<typename std::remove_cvref_t<decltype(T)>::row_type>>& items,
              const Context& ctx, const Style& style, std::size_t depth) {
  using Row = typename std::remove_cvref_t<decltype(T)>::row_type;
  constexpr std::size_t kKeys = std::size(T.keys);
  constexpr std::size_t kFields = std::size(T.fields);
  // Every member's `"name":`, spelled once for the list (with its line break when pretty).
  std::string pieces;
  std::array<std::size_t, kKeys + kFields + 1> ends{};
  const auto add = [&](std::size_t i, std::string_view name, std::string_view suffix) {
    if (style.pretty) {
      pieces += '\n';
      pieces.append(2 * (depth + 2), ' ');
    }
    pieces += '"';
    pieces += name;
    pieces += suffix;
    pieces += '"';
    pieces += style.colon();
    ends[i + 1] = pieces.size();
  };
  for (std::size_t k = 0; k < kKeys; ++k) add(k, T.keys[k].name, {});
  for (std::size_t f = 0; f < kFields; ++f) add(kKeys + f, T.fields[f].name, render::spelling(T.fields[f].unit).json);
  const auto piece = [&](std::size_t i) { return std::string_view(pieces).substr(ends[i], ends[i + 1] - ends[i]); };

  o.put('"');
  o.put(T.list);
  o.put('"');
  o.put(style.colon());
  o.put('[');
  bool first_item = true;
  for (const Item<Row>& item : items) {
    if (!first_item) o.put(',');
    first_item = false;
    style.newline(o, depth + 1);
    o.put('{');
    bool first = true;
    for_index<kKeys>([&](auto i) {
      constexpr const auto& k = T.keys[decltype(i)::value];
      if constexpr (render::in_json(k.target)) {
        const KeyValue v = k.get(item, ctx);
        if (v.type == KeyValue::Type::none) return;
        if (!first) o.put(',');
        first = false;
        o.put(piece(decltype(i)::value));
        put_key_value(o, v);
      }
    });
    const Row& row = *item.row;
    for_index<kFields>([&](auto i) {
      constexpr const auto& f = T.fields[decltype(i)::value];
      if constexpr (render::in_json(f.target) && !(kPathIndependent && render::path_dependent(f))) {
        if (!first) o.put(',');
        first = false;
        o.put(piece(kKeys + decltype(i)::value));
        put_value(o, f.get(row, ctx), style);
      }
    });
    style.newline(o, depth + 1);
    o.put('}');
  }
  if (!items.empty()) style.newline(o, depth);
  o.put(']');
}

// `,` and the line break before a member of the top object (depth 1) or of "thresholds".
void next_member(Out& o, const Style& style, std::size_t depth) {
  o.put(',');
  style.newline(o, depth);
}

template <bool P>
std::string render_document(const Platform& platform, const Snapshot& snapshot, bool pretty) {
  const Context ctx(platform, snapshot);
  const render::Collected c = render::collect(platform, snapshot);
  const Style style{pretty};

  std::string text;
  // About 600 bytes per lane and 100 to 300 per other object (cpo144: 455 kB), with some
  // room; twice when pretty.
  const std::size_t objects = c.units.size() + c.ports.size() + c.logical_ports.size() + c.oes.size() + c.els.size() +
                              c.lasers.size() + c.energy.size() + c.oe_thresholds.size() + c.laser_thresholds.size();
  text.reserve((c.lanes.size() * 640 + objects * 320 + 512) * (pretty ? 2 : 1));
  {
    Out o(text);
    o.put('{');
    style.newline(o, 1);
    o.put("\"schema_version\""sv);
    o.put(style.colon());
    put_integer(o, static_cast<std::int64_t>(kSnapshotSchemaVersion));  // the layout this renderer writes
    next_member(o, style, 1);
    o.put("\"platform\""sv);
    o.put(style.colon());
    put_string(o, snapshot.platform.empty() ? std::string_view(platform.name()) : std::string_view(snapshot.platform));
    next_member(o, style, 1);
    o.put("\"total_optics_w\""sv);
    o.put(style.colon());
    put_number(o, snapshot.total_optics_watts);
    next_member(o, style, 1);
    put_list<render::kUnitTable, P>(o, c.units, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kPortTable, P>(o, c.ports, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kLogicalPortTable, P>(o, c.logical_ports, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kLaneTable, P>(o, c.lanes, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kOeTable, P>(o, c.oes, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kElsTable, P>(o, c.els, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kLaserTable, P>(o, c.lasers, ctx, style, 1);
    next_member(o, style, 1);
    put_list<render::kEnergyTable, P>(o, c.energy, ctx, style, 1);
    if (!c.oe_thresholds.empty() || !c.laser_thresholds.empty()) {
      next_member(o, style, 1);
      o.put("\"thresholds\""sv);
      o.put(style.colon());
      o.put('{');
      style.newline(o, 2);
      put_list<render::kOeThresholdTable, P>(o, c.oe_thresholds, ctx, style, 2);
      next_member(o, style, 2);
      put_list<render::kLaserThresholdTable, P>(o, c.laser_thresholds, ctx, style, 2);
      style.newline(o, 1);
      o.put('}');
    }
    style.newline(o, 0);
    o.put('}');
    if (pretty) o.put('\n');
  }
  return text;
}

}  // namespace

std::string render_json(const Platform& platform, const Snapshot& snapshot, bool pretty) {
  return render_document<false>(platform, snapshot, pretty);
}

std::string render::render_json_path_independent(const Platform& platform, const Snapshot& snapshot, bool pretty) {
  return render_document<true>(platform, snapshot, pretty);
}

}  // namespace cpo::sdk
