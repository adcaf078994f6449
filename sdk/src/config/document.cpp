// The configuration document: YAML (yaml-cpp) or JSON (nlohmann-json) read into one JSON tree,
// then checked key by key against the schema (sdk/schema/config.schema.json) with every
// issue collected and its path kept; and the way back, a Config rendered as YAML or JSON.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "config/internal.h"
#include "cpo/hal/input_file.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {

std::string ConfigIssue::to_string() const {
  std::string out = path.empty() ? std::string() : path + ": ";
  out += std::string(cpo::to_string(code)) + ": " + message;
  return out;
}

Status issues_status(const std::vector<ConfigIssue>& issues, std::string_view what) {
  if (issues.empty()) return ok_status();
  bool all_policy = true;
  for (const auto& i : issues) all_policy = all_policy && i.code == Code::safety_refused;
  std::string message = fmt::format("{}: {} issue{}", what, issues.size(), issues.size() == 1 ? "" : "s");
  for (const auto& i : issues) {
    message += "\n  ";
    message += i.path.empty() ? std::string() : i.path + ": ";
    message += i.message;
  }
  // One issue keeps its own code (a missing file is not_found); several are the document's.
  const Code code = issues.size() == 1 ? issues.front().code
                    : all_policy       ? Code::safety_refused
                                       : Code::invalid_argument;
  return Status(code, std::move(message));
}

std::string_view to_string(ConfigFormat format) noexcept {
  switch (format) {
    case ConfigFormat::automatic: return "auto";
    case ConfigFormat::yaml: return "yaml";
    case ConfigFormat::json: return "json";
  }
  return "?";
}

namespace {

using nlohmann::ordered_json;

// Bounds that keep a hostile document (aliases nested into a billion laughs, deep nesting)
// from costing more than a real one ever could.
constexpr std::size_t kMaxNodes = 50000;
constexpr int kMaxDepth = 64;

// ------------------------------------------------------------------------ YAML -> JSON tree

bool is_null_scalar(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

ordered_json typed_scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  // Quoted scalars ("!") and explicit string tags stay strings.
  if (node.Tag() != "?") return s;
  if (is_null_scalar(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(first, last, i); ec == std::errc() && p == last) return i;
  double d = 0;
  if (auto [p, ec] = std::from_chars(first, last, d); ec == std::errc() && p == last && std::isfinite(d)) return d;
  return s;
}

struct YamlReader {
  std::size_t nodes = 0;
  std::string error;

  bool convert(const YAML::Node& node, ordered_json& out, int depth) {
    if (++nodes > kMaxNodes) {
      error = fmt::format("the document has more than {} nodes", kMaxNodes);
      return false;
    }
    if (depth > kMaxDepth) {
      error = fmt::format("the document nests deeper than {} levels", kMaxDepth);
      return false;
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: out = nullptr; return true;
      case YAML::NodeType::Scalar: out = typed_scalar(node); return true;
      case YAML::NodeType::Sequence:
        out = ordered_json::array();
        for (const auto& item : node) {
          ordered_json v;
          if (!convert(item, v, depth + 1)) return false;
          out.push_back(std::move(v));
        }
        return true;
      case YAML::NodeType::Map:
        out = ordered_json::object();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            error = fmt::format("line {}: a key must be a plain name", kv.first.Mark().line + 1);
            return false;
          }
          const std::string key = kv.first.Scalar();
          if (out.contains(key)) {
            error = fmt::format("line {}: key '{}' appears twice in one mapping", kv.first.Mark().line + 1, key);
            return false;
          }
          ordered_json v;
          if (!convert(kv.second, v, depth + 1)) return false;
          out[key] = std::move(v);
        }
        return true;
    }
    return true;
  }
};

bool read_yaml(std::string_view text, ordered_json& tree, std::vector<ConfigIssue>& issues) {
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    YamlReader reader;
    if (!reader.convert(root, tree, 0)) {
      issues.push_back({"", Code::invalid_argument, "malformed YAML: " + reader.error});
      return false;
    }
    return true;
  } catch (const YAML::Exception& e) {
    const std::string where =
        e.mark.is_null() ? std::string() : fmt::format(" at line {}, column {}", e.mark.line + 1, e.mark.column + 1);
    issues.push_back({"", Code::invalid_argument, fmt::format("malformed YAML{}: {}", where, e.msg)});
  } catch (const std::exception& e) {
    issues.push_back({"", Code::invalid_argument, fmt::format("malformed YAML: {}", e.what())});
  }
  return false;
}

bool read_json(std::string_view text, ordered_json& tree, std::vector<ConfigIssue>& issues) {
  try {
    int depth = 0;
    bool too_deep = false;
    tree = ordered_json::parse(
        text.begin(), text.end(),
        [&](int d, ordered_json::parse_event_t, ordered_json&) {
          depth = d;
          if (d > kMaxDepth) too_deep = true;
          return true;
        },
        true, false);
    (void)depth;
    if (too_deep) {
      issues.push_back(
          {"", Code::invalid_argument, fmt::format("the document nests deeper than {} levels", kMaxDepth)});
      return false;
    }
    return true;
  } catch (const ordered_json::parse_error& e) {
    // Line and column from the byte offset nlohmann reports (1-based, past the bad byte).
    std::size_t line = 1, column = 1;
    const std::size_t end = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    if (auto pos = what.find("syntax error while parsing value - "); pos != std::string::npos) {
      what = what.substr(pos + 35);
    }
    issues.push_back(
        {"", Code::invalid_argument, fmt::format("malformed JSON at line {}, column {}: {}", line, column, what)});
  } catch (const std::exception& e) {
    issues.push_back({"", Code::invalid_argument, fmt::format("malformed JSON: {}", e.what())});
  }
  return false;
}

// ------------------------------------------------------------------------ tree -> Config

std::string type_name(const ordered_json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "a list";
  return "a mapping";
}

std::string shown(const ordered_json& v) {
  // A YAML scalar may hold bytes that are not UTF-8: shown replaced, never thrown over.
  std::string s = v.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

struct SchemaReader {
  std::vector<ConfigIssue>& issues;

  void issue(const std::string& path, Code code, std::string message) {
    issues.push_back({path, code, std::move(message)});
  }

  void unknown_keys(const ordered_json& obj, const std::string& path, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = false;
      for (auto a : allowed) ok = ok || key == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        issue(path.empty() ? key : path + "." + key, Code::invalid_argument,
              fmt::format("unknown key '{}' (allowed: {})", key, list));
      }
    }
  }

  std::optional<double> number(const ordered_json& v, const std::string& path, std::string_view what) {
    if (!v.is_number()) {
      issue(path, Code::invalid_argument, fmt::format("expected {}, got {} {}", what, type_name(v), shown(v)));
      return std::nullopt;
    }
    const double d = v.get<double>();
    if (!std::isfinite(d)) {
      issue(path, Code::invalid_argument, fmt::format("expected {}, got {}", what, shown(v)));
      return std::nullopt;
    }
    return d;
  }

  std::optional<std::string> string(const ordered_json& v, const std::string& path, std::string_view what) {
    if (!v.is_string()) {
      issue(path, Code::invalid_argument, fmt::format("expected {}, got {} {}", what, type_name(v), shown(v)));
      return std::nullopt;
    }
    return v.get<std::string>();
  }

  // Names and object lists are printable ASCII (what the object parser and profiles accept).
  std::optional<std::string> name(const ordered_json& v, const std::string& path, std::string_view what) {
    auto s = string(v, path, what);
    if (!s) return std::nullopt;
    for (char c : *s) {
      if (c < 0x20 || c > 0x7E) {
        issue(path, Code::invalid_argument, fmt::format("expected {}: only printable ASCII characters", what));
        return std::nullopt;
      }
    }
    return s;
  }

  // A selector: a string, or a non-negative integer (YAML reads `port: 12` as a number).
  std::optional<std::string> selector(const ordered_json& v, const std::string& path, std::string_view what) {
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0)) return v.dump();
    return name(v, path, what);
  }

  std::optional<AdminState> admin_value(const ordered_json& v, const std::string& path) {
    auto s = string(v, path, "up or down");
    if (!s) return std::nullopt;
    if (*s == "up") return AdminState::up;
    if (*s == "down") return AdminState::down;
    issue(path, Code::invalid_argument, fmt::format("'{}' is not an admin state (allowed: up, down)", *s));
    return std::nullopt;
  }

  std::optional<TxFir> fir_value(const ordered_json& v, const std::string& path) {
    if (!v.is_object()) {
      issue(path, Code::invalid_argument,
            fmt::format("expected {{pre, main, post}} taps, got {} {}", type_name(v), shown(v)));
      return std::nullopt;
    }
    unknown_keys(v, path, {"pre", "main", "post"});
    TxFir fir;
    bool ok = true;
    for (auto [key, field] :
         {std::pair<const char*, std::int32_t*>{"pre", &fir.pre}, {"main", &fir.main}, {"post", &fir.post}}) {
      const std::string p = path + "." + key;
      if (!v.contains(key)) {
        issue(p, Code::invalid_argument, "missing (tx_fir needs pre, main and post)");
        ok = false;
        continue;
      }
      const auto& t = v[key];
      if (!t.is_number_integer() || t.get<std::int64_t>() < std::numeric_limits<std::int32_t>::min() ||
          t.get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
        issue(p, Code::invalid_argument, fmt::format("expected an integer tap, got {} {}", type_name(t), shown(t)));
        ok = false;
        continue;
      }
      *field = static_cast<std::int32_t>(t.get<std::int64_t>());
    }
    return ok ? std::optional<TxFir>(fir) : std::nullopt;
  }

  void port_entry(const ordered_json& e, const std::string& path, Config& out) {
    if (!e.is_object()) {
      issue(path, Code::invalid_argument, fmt::format("expected a mapping with 'port', got {}", type_name(e)));
      return;
    }
    unknown_keys(e, path, {"port", "breakout", "admin", "fec", "tx_fir"});
    PortSettings s;
    bool ok = true;
    if (!e.contains("port")) {
      issue(path + ".port", Code::invalid_argument, "missing (which ports: 12, 0-15, Ethernet48, ...)");
      ok = false;
    } else if (auto sel = selector(e["port"], path + ".port", "a port list such as 0-15")) {
      s.select = *sel;
    } else {
      ok = false;
    }
    if (e.contains("breakout")) {
      if (auto text = string(e["breakout"], path + ".breakout", "a breakout mode such as 4x200G")) {
        auto mode = BreakoutMode::parse(*text);
        if (mode) {
          s.breakout = *mode;
        } else {
          issue(path + ".breakout", mode.status().code(), mode.status().message());
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (e.contains("admin")) {
      const auto& a = e["admin"];
      if (a.is_array()) {
        if (a.empty()) {
          issue(path + ".admin", Code::invalid_argument, "an empty list (give up, down, or one per sub-port)");
          ok = false;
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
          auto v = admin_value(a[i], fmt::format("{}.admin[{}]", path, i));
          if (v) {
            s.admin.push_back(*v);
          } else {
            ok = false;
          }
        }
      } else if (auto v = admin_value(a, path + ".admin")) {
        s.admin.push_back(*v);
      } else {
        ok = false;
      }
    }
    if (e.contains("fec")) {
      if (auto text = string(e["fec"], path + ".fec", "a FEC mode (none, fc, rs528, rs544, rs)")) {
        auto mode = parse_fec_mode(*text);
        if (mode) {
          s.fec = *mode;
        } else {
          issue(path + ".fec", mode.status().code(), mode.status().message());
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (e.contains("tx_fir")) {
      const auto& f = e["tx_fir"];
      if (f.is_array()) {
        if (f.empty()) {
          issue(path + ".tx_fir", Code::invalid_argument, "an empty list (give one {pre, main, post} or one per lane)");
          ok = false;
        }
        for (std::size_t i = 0; i < f.size(); ++i) {
          auto v = fir_value(f[i], fmt::format("{}.tx_fir[{}]", path, i));
          if (v) {
            s.tx_fir.push_back(*v);
          } else {
            ok = false;
          }
        }
      } else if (auto v = fir_value(f, path + ".tx_fir")) {
        s.tx_fir.push_back(*v);
      } else {
        ok = false;
      }
    }
    // An entry with an issue is left out whole: planning half an entry would surprise.
    if (ok) out.ports.push_back(std::move(s));
  }

  void laser_entry(const ordered_json& e, const std::string& path, Config& out) {
    if (!e.is_object()) {
      issue(path, Code::invalid_argument, fmt::format("expected a mapping with 'laser', got {}", type_name(e)));
      return;
    }
    unknown_keys(e, path, {"laser", "enabled", "power_mw", "power_dbm", "ramp_db_per_s", "control", "bias_ma"});
    LaserSettings s;
    bool ok = true;
    if (!e.contains("laser")) {
      issue(path + ".laser", Code::invalid_argument, "missing (which lasers: els7/3, els7/0-7, ...)");
      ok = false;
    } else if (auto sel = name(e["laser"], path + ".laser", "a laser list such as els7/0-7")) {
      s.select = *sel;
    } else {
      ok = false;
    }
    if (e.contains("enabled")) {
      if (e["enabled"].is_boolean()) {
        s.enabled = e["enabled"].get<bool>();
      } else {
        issue(path + ".enabled", Code::invalid_argument,
              fmt::format("expected true or false, got {} {}", type_name(e["enabled"]), shown(e["enabled"])));
        ok = false;
      }
    }
    if (e.contains("power_mw") && e.contains("power_dbm")) {
      issue(path + ".power_dbm", Code::invalid_argument, "give power_mw or power_dbm, not both");
      ok = false;
    } else if (e.contains("power_mw")) {
      if (auto mw = number(e["power_mw"], path + ".power_mw", "a power in mW")) {
        if (*mw <= 0) {
          issue(path + ".power_mw", Code::out_of_range, fmt::format("{} mW: a power must be above 0 mW", *mw));
          ok = false;
        } else {
          s.power = Milliwatts(*mw);
        }
      } else {
        ok = false;
      }
    } else if (e.contains("power_dbm")) {
      if (auto dbm = number(e["power_dbm"], path + ".power_dbm", "a power in dBm")) {
        if (*dbm > 60 || *dbm < -60) {
          issue(path + ".power_dbm", Code::out_of_range, fmt::format("{} dBm is outside -60..60 dBm", *dbm));
          ok = false;
        } else {
          s.power = to_milliwatts(Dbm(*dbm));
        }
      } else {
        ok = false;
      }
    }
    if (e.contains("ramp_db_per_s")) {
      if (auto r = number(e["ramp_db_per_s"], path + ".ramp_db_per_s", "a ramp rate in dB/s")) {
        if (*r <= 0) {
          issue(path + ".ramp_db_per_s", Code::out_of_range, fmt::format("{} dB/s: a ramp rate must be above 0", *r));
          ok = false;
        } else {
          s.ramp = Decibels(*r);
        }
      } else {
        ok = false;
      }
    }
    if (e.contains("control")) {
      if (auto c = string(e["control"], path + ".control", "a control mode")) {
        if (*c == "apc") {
          s.control = cmis::ElsControlMode::apc;
        } else if (*c == "acc") {
          s.control = cmis::ElsControlMode::acc;
        } else {
          issue(path + ".control", Code::invalid_argument,
                fmt::format("'{}' is not a control mode (allowed: apc (constant power), acc (constant current))", *c));
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (e.contains("bias_ma")) {
      if (auto ma = number(e["bias_ma"], path + ".bias_ma", "a bias current in mA")) {
        if (*ma <= 0 || *ma > 10000) {
          issue(path + ".bias_ma", Code::out_of_range,
                fmt::format("{} mA: a bias set-point is above 0 and at most 10000 mA (the module's range applies "
                            "on the switch)",
                            *ma));
          ok = false;
        } else {
          s.bias = Milliamps(*ma);
        }
      } else {
        ok = false;
      }
    }
    if (ok) out.lasers.push_back(std::move(s));
  }

  template <typename E>
  std::optional<E> enum_value(const ordered_json& v, const std::string& path, std::span<const E> all,
                              std::string_view what) {
    auto s = string(v, path, what);
    if (!s) return std::nullopt;
    std::string list;
    for (E e : all) {
      if (cpo::to_string(e) == *s) return e;
      list += (list.empty() ? "" : ", ") + std::string(cpo::to_string(e));
    }
    issue(path, Code::invalid_argument, fmt::format("'{}' is not a {} (allowed: {})", *s, what, list));
    return std::nullopt;
  }

  void threshold_entry(const ordered_json& e, const std::string& path, std::vector<ThresholdRule>& out) {
    if (!e.is_object()) {
      issue(path, Code::invalid_argument, fmt::format("expected a mapping, got {}", type_name(e)));
      return;
    }
    unknown_keys(e, path, {"quantity", "level", "bound", "threshold", "hysteresis"});
    ThresholdRule r;
    bool ok = true;
    for (const char* key : {"quantity", "level", "bound"}) {
      if (!e.contains(key)) {
        issue(path + "." + key, Code::invalid_argument, "missing (a rule needs quantity, level and bound)");
        ok = false;
      }
    }
    if (e.contains("quantity")) {
      if (auto q = enum_value<Measure>(e["quantity"], path + ".quantity", std::span<const Measure>(kMeasureList),
                                       "quantity")) {
        r.quantity = *q;
      } else {
        ok = false;
      }
    }
    if (e.contains("level")) {
      if (auto l = enum_value<ThresholdLevel>(e["level"], path + ".level", std::span<const ThresholdLevel>(kLevelList),
                                              "level")) {
        r.level = *l;
      } else {
        ok = false;
      }
    }
    if (e.contains("bound")) {
      if (auto b = enum_value<ThresholdBound>(e["bound"], path + ".bound", std::span<const ThresholdBound>(kBoundList),
                                              "bound")) {
        r.bound = *b;
      } else {
        ok = false;
      }
    }
    if (e.contains("threshold") && !e["threshold"].is_null()) {
      if (auto t = number(e["threshold"], path + ".threshold", "a number (or null: the module's own)")) {
        r.threshold = *t;
      } else {
        ok = false;
      }
    }
    if (e.contains("hysteresis")) {
      if (auto h = number(e["hysteresis"], path + ".hysteresis", "a number")) {
        if (*h < 0) {
          issue(path + ".hysteresis", Code::out_of_range, fmt::format("{}: hysteresis must be 0 or more", *h));
          ok = false;
        } else {
          r.hysteresis = *h;
        }
      } else {
        ok = false;
      }
    }
    if (ok) {
      for (const auto& other : out) {
        if (other.quantity == r.quantity && other.level == r.level && other.bound == r.bound) {
          issue(path, Code::invalid_argument,
                fmt::format("a second rule for {} {} {} (one rule per quantity, level and bound)",
                            cpo::to_string(r.quantity), cpo::to_string(r.level), cpo::to_string(r.bound)));
          return;
        }
      }
      out.push_back(r);
    }
  }

  void document(const ordered_json& root, Config& out) {
    if (!root.is_object()) {
      issue("", Code::invalid_argument,
            fmt::format("the document must be a mapping with schema_version, ports, lasers, ...; got {}",
                        type_name(root)));
      return;
    }
    unknown_keys(root, "", {"schema_version", "platform", "laser_class_limit_mw", "ports", "lasers", "thresholds"});
    if (!root.contains("schema_version")) {
      issue("schema_version", Code::invalid_argument,
            fmt::format("missing (this cposdk reads {})", kConfigSchemaVersion));
    } else if (const auto& v = root["schema_version"];
               !v.is_number_integer() || v.get<std::int64_t>() != kConfigSchemaVersion) {
      issue("schema_version", Code::invalid_argument,
            fmt::format("{} is not supported (this cposdk reads {})", shown(v), kConfigSchemaVersion));
    }
    if (root.contains("platform")) {
      if (auto p = name(root["platform"], "platform", "a profile name such as cpo144")) out.platform = *p;
    }
    if (root.contains("laser_class_limit_mw")) {
      if (auto mw = number(root["laser_class_limit_mw"], "laser_class_limit_mw", "a power in mW")) {
        if (*mw <= 0) {
          issue("laser_class_limit_mw", Code::out_of_range, fmt::format("{} mW: the class limit must be above 0", *mw));
        } else {
          out.laser_class_limit = Milliwatts(*mw);
        }
      }
    }
    auto list = [&](const char* key, auto&& each) {
      if (!root.contains(key)) return;
      const auto& v = root[key];
      if (v.is_null()) return;
      if (!v.is_array()) {
        issue(key, Code::invalid_argument, fmt::format("expected a list, got {}", type_name(v)));
        return;
      }
      for (std::size_t i = 0; i < v.size(); ++i) each(v[i], fmt::format("{}[{}]", key, i));
    };
    list("ports", [&](const ordered_json& e, const std::string& p) { port_entry(e, p, out); });
    list("lasers", [&](const ordered_json& e, const std::string& p) { laser_entry(e, p, out); });
    if (root.contains("thresholds")) {
      std::vector<ThresholdRule> rules;
      list("thresholds", [&](const ordered_json& e, const std::string& p) { threshold_entry(e, p, rules); });
      out.thresholds = std::move(rules);
    }
  }
};

// ------------------------------------------------------------------------ Config -> tree

std::string admin_word(AdminState s) { return std::string(cpo::to_string(s)); }

ordered_json fir_json(const TxFir& f) { return {{"pre", f.pre}, {"main", f.main}, {"post", f.post}}; }

ordered_json selector_json(const std::string& s) {
  // A single port number stays a number, as a person would write it.
  std::uint32_t n = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n); ec == std::errc() && p == s.data() + s.size())
    return n;
  return s;
}

ordered_json config_json(const Config& c) {
  ordered_json doc;
  doc["schema_version"] = c.schema_version;
  if (!c.platform.empty()) doc["platform"] = c.platform;
  if (c.laser_class_limit) doc["laser_class_limit_mw"] = round_power(c.laser_class_limit->value());
  if (!c.ports.empty()) {
    ordered_json ports = ordered_json::array();
    for (const auto& p : c.ports) {
      ordered_json e;
      e["port"] = selector_json(p.select);
      if (p.breakout) e["breakout"] = p.breakout->to_string();
      if (p.admin.size() == 1) {
        e["admin"] = admin_word(p.admin.front());
      } else if (!p.admin.empty()) {
        e["admin"] = ordered_json::array();
        for (auto a : p.admin) e["admin"].push_back(admin_word(a));
      }
      if (p.fec) e["fec"] = std::string(cpo::to_string(*p.fec));
      if (p.tx_fir.size() == 1) {
        e["tx_fir"] = fir_json(p.tx_fir.front());
      } else if (!p.tx_fir.empty()) {
        e["tx_fir"] = ordered_json::array();
        for (const auto& f : p.tx_fir) e["tx_fir"].push_back(fir_json(f));
      }
      ports.push_back(std::move(e));
    }
    doc["ports"] = std::move(ports);
  }
  if (!c.lasers.empty()) {
    ordered_json lasers = ordered_json::array();
    for (const auto& l : c.lasers) {
      ordered_json e;
      e["laser"] = l.select;
      if (l.enabled) e["enabled"] = *l.enabled;
      if (l.power) e["power_mw"] = round_power(l.power->value());
      if (l.ramp) e["ramp_db_per_s"] = l.ramp->value();
      if (l.control) e["control"] = control_text(*l.control);
      if (l.bias) e["bias_ma"] = round_bias(*l.bias).value();
      lasers.push_back(std::move(e));
    }
    doc["lasers"] = std::move(lasers);
  }
  if (c.thresholds) {
    ordered_json rules = ordered_json::array();
    for (const auto& r : *c.thresholds) {
      ordered_json e;
      e["quantity"] = std::string(cpo::to_string(r.quantity));
      e["level"] = std::string(cpo::to_string(r.level));
      e["bound"] = std::string(cpo::to_string(r.bound));
      e["threshold"] = r.threshold ? ordered_json(*r.threshold) : ordered_json(nullptr);
      e["hysteresis"] = r.hysteresis;
      rules.push_back(std::move(e));
    }
    doc["thresholds"] = std::move(rules);
  }
  return doc;
}

std::string number_text(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(d));
  return fmt::format("{}", d);  // shortest round-trip form: 79.43, 1e-05
}

void emit_yaml(YAML::Emitter& out, const ordered_json& v, int depth) {
  if (v.is_object()) {
    if (depth >= 3) out << YAML::Flow;
    out << YAML::BeginMap;
    for (const auto& [key, item] : v.items()) {
      out << YAML::Key << key << YAML::Value;
      emit_yaml(out, item, depth + 1);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    if (depth >= 3) out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const auto& item : v) emit_yaml(out, item, depth + 1);
    out << YAML::EndSeq;
  } else if (v.is_null()) {
    out << YAML::Null;
  } else if (v.is_boolean()) {
    out << (v.get<bool>() ? "true" : "false");
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    out << v.dump();
  } else if (v.is_number()) {
    out << number_text(v.get<double>());
  } else {
    const std::string s = v.get<std::string>();
    // A string that would read back as another type is quoted.
    ordered_json back = nullptr;
    try {
      back = typed_scalar(YAML::Load(s));
    } catch (const std::exception&) {
    }
    if (back.is_string() && back.get<std::string>() == s) {
      out << s;
    } else {
      out << YAML::DoubleQuoted << s;
    }
  }
}

}  // namespace

ParsedConfig parse_config(std::string_view text, ConfigFormat format) {
  ParsedConfig out;
  try {
    if (format == ConfigFormat::automatic) {
      const auto first = text.find_first_not_of(" \t\r\n");
      format = first != std::string_view::npos && text[first] == '{' ? ConfigFormat::json : ConfigFormat::yaml;
    }
    ordered_json tree;
    const bool read =
        format == ConfigFormat::json ? read_json(text, tree, out.issues) : read_yaml(text, tree, out.issues);
    if (!read) return out;
    SchemaReader reader{out.issues};
    reader.document(tree, out.config);
  } catch (const std::exception& e) {
    out.issues.push_back({"", Code::internal, fmt::format("reading the document: {}", e.what())});
  }
  return out;
}

ParsedConfig load_config(const std::filesystem::path& path) {
  // The library's one input-file reader: "-" is stdin, FIFOs and devices are refused at once,
  // the size is capped, and every file problem is invalid_argument (cpoctl exit 3).
  auto read = read_input_file(path.string(), "config file");
  if (!read) {
    ParsedConfig out;
    out.issues.push_back({"", read.status().code(), std::string(read.status().message())});
    return out;
  }
  const std::string& text = *read;
  ConfigFormat format = ConfigFormat::automatic;
  const auto ext = path.extension().string();
  if (ext == ".json") format = ConfigFormat::json;
  if (ext == ".yaml" || ext == ".yml") format = ConfigFormat::yaml;
  return parse_config(text, format);
}

std::string render_config(const Config& config, ConfigFormat format, bool pretty) {
  try {
    const ordered_json doc = config_json(config);
    if (format == ConfigFormat::json) {
      return doc.dump(pretty ? 2 : -1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
    }
    YAML::Emitter out;
    out.SetIndent(2);
    emit_yaml(out, doc, 0);
    return std::string(out.c_str()) + "\n";
  } catch (const std::exception& e) {
    return fmt::format("# render failed: {}\n", e.what());
  }
}

OpenOptions open_options(const Config& config, const OpenOptions& base) {
  OpenOptions o = base;
  if (config.laser_class_limit) o.laser.class_limit = config.laser_class_limit;
  if (config.thresholds) o.events.rules = *config.thresholds;
  return o;
}

}  // namespace cpo::sdk
