#include "topology.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace cpo::simd {
namespace {

using nlohmann::json;

Status bad(std::string_view origin, const std::string& what) {
  return error(Code::invalid_argument, std::string(origin) + ": " + what);
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 32) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status check_keys(const json& obj, std::initializer_list<std::string_view> allowed, std::string_view origin,
                  const std::string& where) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return bad(origin, where + ": unknown key '" + key + "' (allowed: " + list + ")");
    }
  }
  return ok_status();
}

// "leaf0:12" -> ("leaf0", 12)
Status parse_end(const json& v, std::string_view origin, const std::string& where, std::string& name,
                 std::uint32_t& port) {
  if (!v.is_string()) return bad(origin, where + ": expected a string \"switch:port\"");
  const std::string text = v.get<std::string>();
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return bad(origin, where + ": '" + text + "' is not \"switch:port\" (e.g. \"leaf0:12\")");
  }
  name = text.substr(0, colon);
  const std::string digits = text.substr(colon + 1);
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || n > 100000) return bad(origin, where + ": port '" + digits + "' is not a port number");
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  port = static_cast<std::uint32_t>(n);
  return ok_status();
}

}  // namespace

Result<Topology> parse_topology(std::string_view text, std::string_view origin, const std::string& socket_dir) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return bad(origin, "not a JSON object");
  CPO_RETURN_IF_ERROR(check_keys(doc, {"switches", "links", "description"}, origin, "topology"));
  Topology t;
  if (!doc.contains("switches") || !doc["switches"].is_array() || doc["switches"].empty()) {
    return bad(origin, "\"switches\" must be a non-empty array of {\"name\", \"profile\", \"seed\"}");
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& s : doc["switches"]) {
    const std::string where = "switches[" + std::to_string(i++) + "]";
    if (!s.is_object()) return bad(origin, where + ": expected an object");
    CPO_RETURN_IF_ERROR(check_keys(s, {"name", "profile", "seed"}, origin, where));
    SwitchSpec spec;
    if (!s.contains("name") || !s["name"].is_string() || !valid_name(s["name"].get<std::string>())) {
      return bad(origin, where + ": \"name\" must be 1..32 characters of A-Z a-z 0-9 - _");
    }
    spec.name = s["name"].get<std::string>();
    if (!names.insert(spec.name).second) return bad(origin, where + ": switch name '" + spec.name + "' appears twice");
    spec.profile = "cpo144";
    if (s.contains("profile")) {
      if (!s["profile"].is_string()) return bad(origin, where + ": \"profile\" must be a string");
      spec.profile = s["profile"].get<std::string>();
    }
    if (s.contains("seed")) {
      if (!s["seed"].is_number_unsigned()) return bad(origin, where + ": \"seed\" must be an unsigned integer");
      spec.seed = s["seed"].get<std::uint64_t>();
    } else {
      spec.seed = i;
    }
    spec.socket_path = socket_dir + "/" + spec.name + ".sock";
    t.switches.push_back(std::move(spec));
  }
  if (doc.contains("links")) {
    if (!doc["links"].is_array()) return bad(origin, "\"links\" must be an array of {\"a\", \"b\", \"loss_db\"}");
    i = 0;
    for (const auto& l : doc["links"]) {
      const std::string where = "links[" + std::to_string(i++) + "]";
      if (!l.is_object()) return bad(origin, where + ": expected an object");
      CPO_RETURN_IF_ERROR(check_keys(l, {"a", "b", "loss_db"}, origin, where));
      if (!l.contains("a") || !l.contains("b")) return bad(origin, where + ": needs \"a\" and \"b\"");
      LinkSpec link;
      CPO_RETURN_IF_ERROR(parse_end(l["a"], origin, where + ".a", link.a, link.a_port));
      CPO_RETURN_IF_ERROR(parse_end(l["b"], origin, where + ".b", link.b, link.b_port));
      for (const std::string* n : {&link.a, &link.b}) {
        if (names.count(*n) == 0) return bad(origin, where + ": no switch named '" + *n + "' in \"switches\"");
      }
      if (l.contains("loss_db")) {
        if (!l["loss_db"].is_number() || !(l["loss_db"].get<double>() >= 0)) {
          return bad(origin, where + ": \"loss_db\" must be a number >= 0");
        }
        link.loss_db = l["loss_db"].get<double>();
      }
      t.links.push_back(std::move(link));
    }
  }
  return t;
}

Result<Topology> load_topology(const std::string& path, const std::string& socket_dir) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    return error(err == ENOENT ? Code::not_found : Code::io_error,
                 "topology file " + path + ": cannot open (" + std::strerror(err) + ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_topology(text.str(), "topology file " + path, socket_dir);
}

}  // namespace cpo::simd
