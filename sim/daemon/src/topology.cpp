#include "topology.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace cpo::simd {
namespace {

using nlohmann::json;

Status bad(std::string_view origin, const std::string& where, const std::string& what) {
  return error(Code::invalid_argument, std::string(origin) + ": " + where + ": " + what);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return name != "." && name != "..";
}

Status check_keys(const json& obj, std::initializer_list<std::string_view> allowed, std::string_view origin,
                  const std::string& where) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      std::string what = "unknown key '";
      what.append(key).append("' (allowed: ").append(list).append(")");
      return bad(origin, where, what);
    }
  }
  return ok_status();
}

}  // namespace

Result<Topology> parse_topology(std::string_view text, std::string_view origin, const std::string& socket_dir) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad(origin, "document", "not valid JSON");
  if (!doc.is_object()) return bad(origin, "document", "must be an object");
  CPO_RETURN_IF_ERROR(
      check_keys(doc, {"cposdk_topology", "default_loss_db", "switches", "links", "description"}, origin, "document"));
  if (!doc.contains("cposdk_topology") || !doc["cposdk_topology"].is_number_unsigned() ||
      doc["cposdk_topology"].get<std::uint64_t>() != 1) {
    return bad(origin, "cposdk_topology", "must be 1 (the topology format version)");
  }
  double default_loss = 1.5;
  if (doc.contains("default_loss_db")) {
    const json& l = doc["default_loss_db"];
    if (!l.is_number() || !(l.get<double>() >= 0)) return bad(origin, "default_loss_db", "must be a number >= 0");
    default_loss = l.get<double>();
  }
  if (!doc.contains("switches") || !doc["switches"].is_array() || doc["switches"].empty()) {
    return bad(origin, "switches", "must be a non-empty array of {\"name\", \"profile\", \"seed\", \"start\"}");
  }
  Topology t;
  std::map<std::string, std::size_t> index;
  const json& switches = doc["switches"];
  for (std::size_t i = 0; i < switches.size(); ++i) {
    const json& s = switches[i];
    const std::string where = "switches[" + std::to_string(i) + "]";
    if (!s.is_object()) return bad(origin, where, "must be an object");
    CPO_RETURN_IF_ERROR(check_keys(s, {"name", "profile", "seed", "start"}, origin, where));
    SwitchSpec spec;
    if (!s.contains("name") || !s["name"].is_string() || !valid_name(s["name"].get<std::string>())) {
      return bad(origin, where + ".name",
                 "must be 1..64 characters of A-Z a-z 0-9 _ . - (cpo-simd names the switch's socket after it)");
    }
    spec.name = s["name"].get<std::string>();
    if (!index.emplace(spec.name, i).second) return bad(origin, where + ".name", "duplicate name '" + spec.name + "'");
    spec.profile = "cpo144";
    if (s.contains("profile")) {
      if (!s["profile"].is_string()) return bad(origin, where + ".profile", "must be a string");
      spec.profile = s["profile"].get<std::string>();
    }
    spec.seed = i + 1;
    if (s.contains("seed")) {
      if (!s["seed"].is_number_unsigned()) return bad(origin, where + ".seed", "must be a non-negative integer");
      spec.seed = s["seed"].get<std::uint64_t>();
    }
    if (s.contains("start")) {
      const std::string v = s["start"].is_string() ? s["start"].get<std::string>() : "";
      if (v == "operational") {
        spec.start = sim::StartState::operational;
      } else if (v == "cold") {
        spec.start = sim::StartState::cold;
      } else {
        return bad(origin, where + ".start", "must be \"operational\" or \"cold\"");
      }
    }
    spec.socket_path = socket_dir + "/" + spec.name + ".sock";
    t.switches.push_back(std::move(spec));
  }
  if (doc.contains("links")) {
    const json& links = doc["links"];
    if (!links.is_array()) return bad(origin, "links", "must be an array");
    std::set<std::pair<std::size_t, std::uint32_t>> used;
    for (std::size_t i = 0; i < links.size(); ++i) {
      const json& l = links[i];
      const std::string where = "links[" + std::to_string(i) + "]";
      if (!l.is_array() || (l.size() != 4 && l.size() != 5)) {
        return bad(origin, where, "must be [switch, port, switch, port] or [switch, port, switch, port, loss_db]");
      }
      LinkSpec link;
      for (int end = 0; end < 2; ++end) {
        const json& name = l[end == 0 ? 0u : 2u];
        const json& port = l[end == 0 ? 1u : 3u];
        const auto it = name.is_string() ? index.find(name.get<std::string>()) : index.end();
        if (it == index.end()) return bad(origin, where, "unknown switch " + name.dump());
        if (!port.is_number_unsigned() || port.get<std::uint64_t>() > 0xFFFFFFFFull) {
          return bad(origin, where, "port must be a non-negative integer");
        }
        (end == 0 ? link.a : link.b) = it->second;
        (end == 0 ? link.a_port : link.b_port) = static_cast<std::uint32_t>(port.get<std::uint64_t>());
      }
      link.loss_db = default_loss;
      if (l.size() == 5) {
        if (!l[4].is_number() || !(l[4].get<double>() >= 0)) return bad(origin, where, "loss_db must be a number >= 0");
        link.loss_db = l[4].get<double>();
      }
      if (!used.emplace(link.a, link.a_port).second || !used.emplace(link.b, link.b_port).second) {
        return bad(origin, where, "a port is cabled twice");
      }
      t.links.push_back(link);
    }
  }
  return t;
}

Result<Topology> load_topology(const std::string& path, const std::string& socket_dir) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    return error(
        err == ENOENT ? Code::not_found : Code::io_error,
        "topology " + path + ": cannot open (" + std::error_code(err, std::generic_category()).message() + ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_topology(text.str(), "topology " + path, socket_dir);
}

}  // namespace cpo::simd
