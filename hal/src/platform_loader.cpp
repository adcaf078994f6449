// Profile loading: strict JSON reading (unknown fields, wrong types and malformed text are
// errors) and whole-document validation before a Platform is returned.
#include <algorithm>
#include <initializer_list>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cpo/hal/cmis/memory_map.h"
#include "cpo/hal/input_file.h"
#include "cpo/hal/log.h"
#include "cpo/hal/platform.h"
#include "embedded_file.h"

namespace cpo::detail {
extern const EmbeddedFile builtin_profiles[];
extern const std::size_t builtin_profiles_count;
}  // namespace cpo::detail

namespace cpo {
namespace {

using nlohmann::json;

constexpr std::uint32_t kSchemaVersion = 1;
constexpr std::uint32_t kMaxLanesPerBank = 8;  // CMIS: a bank is 8 lanes (OIF CMIS 5.2 section 8.1)
// Sanity bounds so a hostile file cannot make us allocate without limit.
constexpr std::uint32_t kMaxObjects = 1u << 16;

std::string type_name(const json& value) {
  if (value.is_number_unsigned()) return "unsigned integer";
  if (value.is_number_integer()) return "negative integer";
  if (value.is_number_float()) return "number with a fraction";
  return value.type_name();
}

// A JSON node with the path that names it in messages ("ports[3].lanes[1]").
struct Node {
  const json& value;
  std::string path;

  Node field(std::string_view key) const { return {value.at(std::string(key)), join(key)}; }
  Node item(std::size_t i) const { return {value.at(i), fmt::format("{}[{}]", path, i)}; }
  std::string join(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  bool has(std::string_view key) const { return value.contains(std::string(key)); }

  Status fail(Code code, std::string_view what) const {
    return error(code, path.empty() ? std::string(what) : fmt::format("{}: {}", path, what));
  }
  Status expect_object(std::initializer_list<std::string_view> required,
                       std::initializer_list<std::string_view> optional = {}) const {
    if (!value.is_object()) return fail(Code::invalid_argument, "expected an object, got " + type_name(value));
    for (auto it = value.begin(); it != value.end(); ++it) {
      const auto& key = it.key();
      auto known = [&](std::initializer_list<std::string_view> keys) {
        return std::find(keys.begin(), keys.end(), key) != keys.end();
      };
      if (!known(required) && !known(optional)) {
        std::string allowed;
        for (auto k : required) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
        for (auto k : optional) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
        return fail(Code::invalid_argument, fmt::format("unknown field '{}' (allowed: {})", key, allowed));
      }
    }
    for (auto key : required) {
      if (!has(key)) return fail(Code::invalid_argument, fmt::format("missing required field '{}'", key));
    }
    return ok_status();
  }
  Result<std::uint32_t> u32() const {
    if (!value.is_number_unsigned())
      return fail(Code::invalid_argument, "expected an unsigned integer, got " + type_name(value));
    const auto v = value.get<std::uint64_t>();
    if (v > kMaxObjects * 64ull)
      return fail(Code::out_of_range, fmt::format("{} is too large (at most {})", v, kMaxObjects * 64ull));
    return static_cast<std::uint32_t>(v);
  }
  // Names and descriptions end up on terminals and in logs: control characters (ESC, NUL, ...)
  // would let a profile rewrite the screen, so they are refused rather than escaped.
  Result<std::string> str() const {
    if (!value.is_string()) return fail(Code::invalid_argument, "expected a string, got " + type_name(value));
    const auto& text = value.get_ref<const std::string&>();
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x20 || c == 0x7f) {
        return fail(Code::invalid_argument,
                    fmt::format("control character 0x{:02x} at position {} (names and descriptions are printable "
                                "text without control characters)",
                                c, i + 1));
      }
    }
    return text;
  }
  Status array(std::size_t min_size) const {
    if (!value.is_array()) return fail(Code::invalid_argument, "expected an array, got " + type_name(value));
    if (value.size() < min_size)
      return fail(Code::invalid_argument,
                  fmt::format("expected at least {} entr{}", min_size, min_size == 1 ? "y" : "ies"));
    if (value.size() > kMaxObjects)
      return fail(Code::out_of_range, fmt::format("{} entries (at most {})", value.size(), kMaxObjects));
    return ok_status();
  }
};

// The JSON reader: nlohmann's SAX interface, so that nothing throws (a number like 1e309 or
// malformed text arrives as a parse_error call), duplicate keys are refused instead of the last
// one silently winning, and nesting is bounded before it can exhaust memory.
class StrictJsonReader {  // NOLINT(bugprone-exception-escape): used only inside from_json's try block
 public:
  static constexpr std::size_t kMaxDepth = 32;  // a profile nests 5 levels deep

  json root;
  std::optional<std::size_t> error_byte;  // set for syntax errors (with a position)
  std::string error;

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const std::string&) { return add(json(v)); }
  bool string(std::string& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t& v) { return add(json(std::move(v))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    const Open& top = stack_.back();
    if (top.value->contains(k)) {
      error = fmt::format("duplicate key '{}' in {} (a key may appear once in an object)", k,
                          top.path.empty() ? std::string("the top-level object") : top.path);
      return false;
    }
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    error_byte = position;
    // nlohmann's what() repeats the position in its own words; keep only its reason.
    std::string reason = e.what();
    if (auto pos = reason.find("parse error at "); pos != std::string::npos) {
      if (auto colon = reason.find(": ", pos); colon != std::string::npos) reason = reason.substr(colon + 2);
    } else if (auto bracket = reason.find("] "); bracket != std::string::npos) {
      reason = reason.substr(bracket + 2);  // "[json.exception.out_of_range.406] number overflow ..."
    }
    error = std::move(reason);
    return false;
  }

 private:
  struct Open {
    json* value;
    std::string path;
  };
  std::vector<Open> stack_;
  std::string key_;

  // Places `v` in the open container (or as the root); returns where it now lives.
  json* place(json&& v, std::string& path) {
    if (stack_.empty()) {
      root = std::move(v);
      path.clear();
      return &root;
    }
    Open& top = stack_.back();
    if (top.value->is_array()) {
      top.value->push_back(std::move(v));
      path = fmt::format("{}[{}]", top.path, top.value->size() - 1);
      return &top.value->back();
    }
    path = top.path.empty() ? key_ : top.path + "." + key_;
    auto& slot = (*top.value)[key_];
    slot = std::move(v);
    return &slot;
  }
  bool add(json&& v) {
    std::string path;
    place(std::move(v), path);
    return true;
  }
  bool open(json&& v) {
    if (stack_.size() >= kMaxDepth) {
      error = fmt::format("nested deeper than {} levels", kMaxDepth);
      return false;
    }
    std::string path;
    json* where = place(std::move(v), path);
    stack_.push_back(Open{where, std::move(path)});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
};

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

class PlatformBuilder {
 public:
  static Result<Platform> build(const json& doc) {
    PlatformBuilder b;
    Status s = b.read(Node{doc, ""});
    if (!s.ok()) return s;
    return std::move(b.p_);
  }

 private:
  Platform p_;
  static constexpr std::uint32_t kUnassigned = ~0u;
  // For each lane: where it was first claimed, to name both places in overlap errors.
  std::vector<std::string> lane_bank_owner_, lane_laser_owner_;

  // Reads `node` as an entry whose "id" must equal its position.
  static Status check_id(const Node& node, std::size_t position) {
    auto id = node.field("id").u32();
    if (!id) return id.status();
    if (*id != position) {
      return node.field("id").fail(Code::invalid_argument,
                                   fmt::format("id {} must equal the entry's position {}", *id, position));
    }
    return ok_status();
  }

  Status read(const Node& root) {
    CPO_RETURN_IF_ERROR(
        root.expect_object({"schema_version", "name", "port_speed_gbps", "lane_rate_gbps", "breakout_modes", "units",
                            "ports", "optical_engines", "els"},
                           {"description", "lanes_per_bank", "laser_class_limit_mw", "els_cmis_page_map"}));
    auto version = root.field("schema_version").u32();
    if (!version) return version.status();
    if (*version != kSchemaVersion) {
      return root.field("schema_version")
          .fail(Code::unsupported,
                fmt::format("version {} is not supported (supported: {})", *version, kSchemaVersion));
    }
    auto name = root.field("name").str();
    if (!name) return name.status();
    if (name->empty()) return root.field("name").fail(Code::invalid_argument, "must not be empty");
    p_.name_ = *name;
    if (root.has("description")) {
      auto d = root.field("description").str();
      if (!d) return d.status();
      p_.description_ = *d;
    }
    auto speed = root.field("port_speed_gbps").u32();
    if (!speed) return speed.status();
    auto rate = root.field("lane_rate_gbps").u32();
    if (!rate) return rate.status();
    if (*rate == 0) return root.field("lane_rate_gbps").fail(Code::out_of_range, "must be at least 1");
    p_.port_speed_ = Gbps(*speed);
    p_.lane_rate_ = Gbps(*rate);
    if (root.has("lanes_per_bank")) {
      auto lpb = root.field("lanes_per_bank").u32();
      if (!lpb) return lpb.status();
      if (*lpb == 0 || *lpb > kMaxLanesPerBank) {
        return root.field("lanes_per_bank")
            .fail(Code::out_of_range, fmt::format("{} is not in 1..{}", *lpb, kMaxLanesPerBank));
      }
      p_.lanes_per_bank_ = *lpb;
    }
    if (root.has("laser_class_limit_mw")) {
      const Node limit = root.field("laser_class_limit_mw");
      if (!limit.value.is_number()) {
        return limit.fail(Code::invalid_argument, "expected a number of mW, got " + type_name(limit.value));
      }
      const double mw = limit.value.get<double>();
      // 10 W per laser is far above any ELSFP (Class 4 territory): a typo, not a platform.
      if (!(mw > 0.0 && mw <= 10000.0)) {
        return limit.fail(Code::out_of_range, fmt::format("{} mW is not in (0, 10000]", mw));
      }
      p_.laser_class_limit_ = Milliwatts(mw);
    }
    CPO_RETURN_IF_ERROR(read_units(root.field("units")));
    CPO_RETURN_IF_ERROR(read_ports(root.field("ports")));
    CPO_RETURN_IF_ERROR(read_oes(root.field("optical_engines")));
    CPO_RETURN_IF_ERROR(read_els(root.field("els")));
    CPO_RETURN_IF_ERROR(check_complete());
    if (root.has("els_cmis_page_map")) CPO_RETURN_IF_ERROR(read_els_page_map(root.field("els_cmis_page_map")));
    return read_breakouts(root.field("breakout_modes"));
  }

  Status read_units(const Node& units) {
    CPO_RETURN_IF_ERROR(units.array(1));
    for (std::size_t i = 0; i < units.value.size(); ++i) {
      Node u = units.item(i);
      CPO_RETURN_IF_ERROR(u.expect_object({"id"}, {"name"}));
      CPO_RETURN_IF_ERROR(check_id(u, i));
      UnitInfo info{UnitId(static_cast<std::uint32_t>(i)), fmt::format("unit{}", i)};
      if (u.has("name")) {
        auto n = u.field("name").str();
        if (!n) return n.status();
        info.name = *n;
      }
      p_.units_.push_back(std::move(info));
    }
    return ok_status();
  }

  Result<UnitId> unit_ref(const Node& node) const {
    auto id = node.u32();
    if (!id) return id.status();
    if (*id >= p_.units_.size()) {
      return node.fail(Code::invalid_argument,
                       fmt::format("unit {} does not exist (units 0..{})", *id, p_.units_.size() - 1));
    }
    return UnitId(*id);
  }

  Status read_ports(const Node& ports) {
    CPO_RETURN_IF_ERROR(ports.array(1));
    // Lane ids are 0..N-1 without gaps, where N is the number of lanes the ports list: bounding
    // ids by N before allocating keeps a hostile id (4294967295) from sizing the table.
    std::size_t declared = 0;
    for (const auto& port : ports.value) {
      if (!port.is_object()) continue;
      const auto lanes = port.find("lanes");
      if (lanes != port.end() && lanes->is_array()) declared += lanes->size();
    }
    std::vector<std::uint32_t> owner(declared, kUnassigned);  // lane -> port
    for (std::size_t i = 0; i < ports.value.size(); ++i) {
      Node n = ports.item(i);
      CPO_RETURN_IF_ERROR(n.expect_object({"id", "unit", "lanes"}, {"alias"}));
      CPO_RETURN_IF_ERROR(check_id(n, i));
      auto unit = unit_ref(n.field("unit"));
      if (!unit) return unit.status();
      PortInfo port{PortId(static_cast<std::uint32_t>(i)), *unit, {}, {}};
      if (n.has("alias")) {
        auto alias = n.field("alias").str();
        if (!alias) return alias.status();
        // Aliases are typed on command lines: printable ASCII without blanks or separators.
        const bool clean = !alias->empty() && alias->size() <= 32 &&
                           std::all_of(alias->begin(), alias->end(),
                                       [](char c) { return c > ' ' && c < 127 && c != ',' && c != '/' && c != '='; });
        if (!clean) {
          return n.field("alias").fail(Code::invalid_argument,
                                       "must be 1..32 printable ASCII characters without blanks, ',', '/' or '='");
        }
        for (const auto& other : p_.ports_) {
          if (other.alias == *alias) {
            return n.field("alias").fail(Code::invalid_argument,
                                         fmt::format("'{}' is already the alias of port {}", *alias, other.id.value()));
          }
        }
        port.alias = *alias;
      }
      Node lanes = n.field("lanes");
      CPO_RETURN_IF_ERROR(lanes.array(1));
      for (std::size_t k = 0; k < lanes.value.size(); ++k) {
        auto lane = lanes.item(k).u32();
        if (!lane) return lane.status();
        if (*lane >= owner.size()) {
          return lanes.item(k).fail(
              Code::out_of_range, fmt::format("lane {} does not exist: the ports list {} lanes, so lane ids are 0..{}",
                                              *lane, owner.size(), owner.size() - 1));
        }
        if (owner[*lane] != kUnassigned) {
          return lanes.item(k).fail(
              Code::invalid_argument,
              fmt::format("lane {} already belongs to port {} (lanes may not overlap)", *lane, owner[*lane]));
        }
        owner[*lane] = static_cast<std::uint32_t>(i);
        port.lanes.emplace_back(*lane);
      }
      const std::uint64_t port_capacity = std::uint64_t{p_.lane_rate_.value()} * port.lanes.size();
      if (port_capacity != p_.port_speed_.value()) {
        return n.fail(Code::invalid_argument,
                      fmt::format("{} lanes x {}G = {}G, but port_speed_gbps is {}", port.lanes.size(),
                                  p_.lane_rate_.value(), port_capacity, p_.port_speed_.value()));
      }
      p_.ports_.push_back(std::move(port));
    }
    for (std::size_t lane = 0; lane < owner.size(); ++lane) {
      if (owner[lane] == kUnassigned) {
        return ports.fail(
            Code::invalid_argument,
            fmt::format("lane ids must be 0..{} without gaps, but lane {} belongs to no port", owner.size() - 1, lane));
      }
    }
    // A unit without ports has nothing to show or drive (`platform show` and the simulator
    // assume each unit has a first port).
    for (const auto& unit : p_.units_) {
      const bool used =
          std::any_of(p_.ports_.begin(), p_.ports_.end(), [&](const PortInfo& port) { return port.unit == unit.id; });
      if (!used) {
        return error(Code::invalid_argument,
                     fmt::format("units[{}]: unit {} has no port (every unit needs at least one port)", unit.id.value(),
                                 unit.id.value()));
      }
    }
    p_.lanes_.resize(owner.size());
    lane_bank_owner_.assign(owner.size(), {});
    lane_laser_owner_.assign(owner.size(), {});
    for (const auto& port : p_.ports_) {
      for (std::uint32_t k = 0; k < port.lanes.size(); ++k) {
        LaneInfo& lane = p_.lanes_[port.lanes[k].value()];
        lane.id = port.lanes[k];
        lane.port = port.id;
        lane.index_in_port = k;
        lane.unit = port.unit;
      }
    }
    return ok_status();
  }

  Result<std::uint32_t> lane_ref(const Node& node) const {
    auto id = node.u32();
    if (!id) return id.status();
    if (*id >= p_.lanes_.size()) {
      return node.fail(Code::invalid_argument,
                       fmt::format("lane {} does not exist (lanes 0..{})", *id, p_.lanes_.size() - 1));
    }
    return *id;
  }

  Status read_oes(const Node& oes) {
    CPO_RETURN_IF_ERROR(oes.array(1));
    for (std::size_t i = 0; i < oes.value.size(); ++i) {
      Node n = oes.item(i);
      CPO_RETURN_IF_ERROR(n.expect_object({"id", "unit", "banks"}));
      CPO_RETURN_IF_ERROR(check_id(n, i));
      auto unit = unit_ref(n.field("unit"));
      if (!unit) return unit.status();
      OeInfo oe{OeId(static_cast<std::uint32_t>(i)), *unit, {}};
      Node banks = n.field("banks");
      CPO_RETURN_IF_ERROR(banks.array(1));
      for (std::size_t b = 0; b < banks.value.size(); ++b) {
        Node bank_node = banks.item(b);
        CPO_RETURN_IF_ERROR(bank_node.array(1));
        if (bank_node.value.size() > p_.lanes_per_bank_) {
          return bank_node.fail(Code::invalid_argument, fmt::format("{} lanes, but a bank holds at most {}",
                                                                    bank_node.value.size(), p_.lanes_per_bank_));
        }
        BankInfo bank{BankId(static_cast<std::uint32_t>(b)), {}};
        for (std::size_t k = 0; k < bank_node.value.size(); ++k) {
          Node lane_node = bank_node.item(k);
          auto lane = lane_ref(lane_node);
          if (!lane) return lane.status();
          if (!lane_bank_owner_[*lane].empty()) {
            return lane_node.fail(
                Code::invalid_argument,
                fmt::format("lane {} is already in {} (a lane is in one bank)", *lane, lane_bank_owner_[*lane]));
          }
          LaneInfo& info = p_.lanes_[*lane];
          if (info.unit != oe.unit) {
            return lane_node.fail(
                Code::invalid_argument,
                fmt::format(
                    "lane {} of port {} (unit {}) is on oe {} of unit {}: a port's lanes must stay within its unit",
                    *lane, info.port.value(), info.unit.value(), i, oe.unit.value()));
          }
          lane_bank_owner_[*lane] = to_string(oe.id, bank.id);
          info.oe = oe.id;
          info.bank = bank.id;
          info.index_in_bank = static_cast<std::uint32_t>(k);
          bank.lanes.emplace_back(*lane);
        }
        oe.banks.push_back(std::move(bank));
      }
      p_.oes_.push_back(std::move(oe));
    }
    return ok_status();
  }

  Status read_els(const Node& modules) {
    CPO_RETURN_IF_ERROR(modules.array(1));
    for (std::size_t i = 0; i < modules.value.size(); ++i) {
      Node n = modules.item(i);
      CPO_RETURN_IF_ERROR(n.expect_object({"id", "lasers"}));
      CPO_RETURN_IF_ERROR(check_id(n, i));
      ElsInfo els{ElsId(static_cast<std::uint32_t>(i)), {}};
      Node lasers = n.field("lasers");
      CPO_RETURN_IF_ERROR(lasers.array(1));
      for (std::size_t l = 0; l < lasers.value.size(); ++l) {
        Node laser_node = lasers.item(l);
        CPO_RETURN_IF_ERROR(laser_node.array(1));
        LaserInfo laser{LaserRef{els.id, static_cast<std::uint32_t>(l)}, {}};
        for (std::size_t k = 0; k < laser_node.value.size(); ++k) {
          Node lane_node = laser_node.item(k);
          auto lane = lane_ref(lane_node);
          if (!lane) return lane.status();
          if (!lane_laser_owner_[*lane].empty()) {
            return lane_node.fail(
                Code::invalid_argument,
                fmt::format("lane {} is already fed by {} (a lane has one laser)", *lane, lane_laser_owner_[*lane]));
          }
          lane_laser_owner_[*lane] = to_string(laser.ref);
          p_.lanes_[*lane].laser = laser.ref;
          laser.lanes.emplace_back(*lane);
        }
        els.lasers.push_back(std::move(laser));
      }
      p_.els_.push_back(std::move(els));
    }
    return ok_status();
  }

  // A page string from the document as a message shows it: at most 16 characters, anything
  // but printable ASCII as '?', so a hostile key cannot rewrite the terminal.
  static std::string shown(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < 16; ++i) out += text[i] > ' ' && text[i] < 127 ? text[i] : '?';
    return text.size() > 16 ? out + "..." : out;
  }

  // "1Ah" -> 0x1A: two hex digits and an 'h', as CMIS writes page numbers.
  static std::optional<std::uint8_t> parse_page(std::string_view text) {
    if (text.size() != 3 || (text[2] != 'h' && text[2] != 'H')) return std::nullopt;
    std::uint8_t page = 0;
    for (std::size_t i = 0; i < 2; ++i) {
      const char c = text[i];
      std::uint8_t digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint8_t>(c - '0');
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint8_t>(c - 'A' + 10);
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint8_t>(c - 'a' + 10);
      } else {
        return std::nullopt;
      }
      page = static_cast<std::uint8_t>(page * 16 + digit);
    }
    return page;
  }

  // els_cmis_page_map: {"1Ah": "B0h", ...}. Keys are ELSFP pages the codec decodes; values are
  // banked upper pages without a standard CMIS meaning, each used once.
  Status read_els_page_map(const Node& map) {
    if (!map.value.is_object()) {
      return map.fail(
          Code::invalid_argument,
          "expected an object of ELSFP page -> module page, like {\"1Ah\": \"B0h\"}, got " + type_name(map.value));
    }
    if (map.value.empty()) {
      return map.fail(Code::invalid_argument,
                      "is empty (omit it for the standard OIF-ELSFP-CMIS layout, or map 1Ah and/or 1Bh)");
    }
    std::string elsfp_pages;
    for (const std::uint8_t page : cmis::kElsfpPages) {
      elsfp_pages += fmt::format("{}{:02X}h", elsfp_pages.empty() ? "" : ", ", page);
    }
    for (auto it = map.value.begin(); it != map.value.end(); ++it) {
      const std::string& key = it.key();
      const Node value = map.field(key);
      const auto logical = parse_page(key);
      if (!logical) {
        return map.fail(Code::invalid_argument,
                        fmt::format("key '{}' is not a page number (two hex digits and 'h', like 1Ah)", shown(key)));
      }
      if (!cmis::is_elsfp_page(*logical)) {
        return map.fail(
            Code::invalid_argument,
            fmt::format("key '{}' is not an ELSFP page (allowed: {}, the OIF-ELSFP-CMIS pages)", key, elsfp_pages));
      }
      if (!value.value.is_string()) {
        return value.fail(Code::invalid_argument,
                          "expected a page number string like \"B0h\", got " + type_name(value.value));
      }
      const auto& text = value.value.get_ref<const std::string&>();
      const auto physical = parse_page(text);
      if (!physical) {
        return value.fail(Code::invalid_argument,
                          fmt::format("'{}' is not a page number (two hex digits and 'h', like B0h)", shown(text)));
      }
      if (cmis::is_standard_page(*physical)) {
        return value.fail(
            Code::invalid_argument,
            fmt::format("page {:02X}h has a standard CMIS meaning (allowed: 30h-9Eh and B0h-FFh; 00h-2Fh, 9Fh and "
                        "A0h-AFh are the CMIS 5.2 administrative, lane, VDM and CDB pages)",
                        *physical));
      }
      for (const auto& other : p_.els_page_map_) {
        if (other.logical == *logical) {
          return map.fail(
              Code::invalid_argument,
              fmt::format("key '{}' maps page {:02X}h a second time (each ELSFP page once)", key, *logical));
        }
        if (other.physical == *physical) {
          return value.fail(Code::invalid_argument,
                            fmt::format("page {:02X}h already holds ELSFP page {:02X}h (each module page once)",
                                        *physical, other.logical));
        }
      }
      p_.els_page_map_.push_back(ElsPageRelocation{*logical, *physical});
    }
    std::sort(p_.els_page_map_.begin(), p_.els_page_map_.end(),
              [](const ElsPageRelocation& a, const ElsPageRelocation& b) { return a.logical < b.logical; });
    return ok_status();
  }

  Status check_complete() const {
    for (const auto& lane : p_.lanes_) {
      const auto id = lane.id.value();
      if (lane_bank_owner_[id].empty()) {
        return error(Code::invalid_argument,
                     fmt::format("lane {} (port {}) is in no optical engine bank", id, lane.port.value()));
      }
      if (lane_laser_owner_[id].empty()) {
        return error(Code::invalid_argument,
                     fmt::format("lane {} (port {}) is fed by no laser", id, lane.port.value()));
      }
    }
    return ok_status();
  }

  Status read_breakouts(const Node& modes) {
    CPO_RETURN_IF_ERROR(modes.array(1));
    for (std::size_t i = 0; i < modes.value.size(); ++i) {
      Node n = modes.item(i);
      auto text = n.str();
      if (!text) return text.status();
      auto mode = BreakoutMode::parse(*text);
      if (!mode) return n.fail(mode.status().code(), mode.status().message());
      p_.breakout_modes_.push_back(*mode);
    }
    // Every mode must fit every port; ports of one profile have one width (port_speed_gbps).
    for (std::size_t i = 0; i < p_.breakout_modes_.size(); ++i) {
      auto fit =
          p_.breakout_modes_[i].assign(static_cast<std::uint32_t>(p_.ports_.front().lanes.size()), p_.lane_rate_);
      if (!fit) return modes.item(i).fail(fit.status().code(), fit.status().message());
    }
    return ok_status();
  }
};

Result<Platform> Platform::from_json(std::string_view text, std::string_view origin) noexcept {
  // No exception leaves the library: the reader does not throw on bad input, and anything else
  // (an allocation failure, a bug) is caught here and reported as a Status.
  try {
    auto context = fmt::format("profile {}", origin);
    StrictJsonReader reader;
    const bool parsed = json::sax_parse(text.begin(), text.end(), &reader, json::input_format_t::json, true);
    if (!parsed) {
      if (reader.error_byte) {
        auto [line, column] = line_column(text, *reader.error_byte == 0 ? 0 : *reader.error_byte - 1);
        return error(Code::invalid_argument,
                     fmt::format("{}: malformed JSON at line {}, column {}: {}", context, line, column, reader.error));
      }
      return error(Code::invalid_argument, fmt::format("{}: {}", context, reader.error));
    }
    auto platform = PlatformBuilder::build(reader.root);
    if (!platform) return platform.status().with_context(context);
    log::get("cpo.hal")->debug("loaded {}: {} ports, {} lanes", context, platform->ports().size(),
                               platform->lanes().size());
    return platform;
  } catch (const std::bad_alloc&) {
    return error(Code::internal, fmt::format("profile {}: out of memory", origin));
  } catch (const std::exception& e) {
    return error(Code::internal, fmt::format("profile {}: {}", origin, e.what()));
  } catch (...) {
    return error(Code::internal, fmt::format("profile {}: unknown exception", origin));
  }
}

Result<Platform> Platform::load_file(const std::filesystem::path& path) noexcept {
  try {
    auto text = read_input_file(path.string(), "profile file");
    if (!text) return text.status();
    return from_json(*text, path.string());
  } catch (...) {
    return error(Code::internal, "profile file: unexpected exception while reading");
  }
}

std::vector<std::string> Platform::builtin_names() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < detail::builtin_profiles_count; ++i) names.emplace_back(detail::builtin_profiles[i].name);
  return names;
}

Result<Platform> Platform::builtin(std::string_view name) {
  for (std::size_t i = 0; i < detail::builtin_profiles_count; ++i) {
    const auto& file = detail::builtin_profiles[i];
    if (name == file.name) {
      return from_json(std::string_view(reinterpret_cast<const char*>(file.data), file.size),
                       fmt::format("builtin:{}", name));
    }
  }
  std::string names;
  for (const auto& n : builtin_names()) names += (names.empty() ? "" : ", ") + n;
  return error(
      Code::not_found,
      fmt::format("profile '{}' is not built in (built-in profiles: {}; or give a .json file path)", name, names));
}

Result<Platform> Platform::resolve(std::string_view name_or_path) {
  const bool is_path = name_or_path == "-" || name_or_path.find('/') != std::string_view::npos ||
                       (name_or_path.size() > 5 && name_or_path.substr(name_or_path.size() - 5) == ".json");
  if (is_path) return load_file(std::filesystem::path(name_or_path));
  return builtin(name_or_path);
}

}  // namespace cpo
