// Topology files: a fabric's switches and fibers as a JSON document (docs/simulator.md).
//
//   {
//     "cposdk_topology": 1,
//     "default_loss_db": 1.5,                       // optional, per fiber
//     "switches": [ {"name": "pod0-leaf0", "profile": "cpo144", "seed": 1,
//                    "start": "operational"}, ... ],  // profile, seed, start optional
//     "links": [ ["pod0-leaf0", 0, "pod0-spine0", 0], // port to port, lane i to lane i
//                ["a", 1, "b", 1, 2.0], ... ]          // optional fifth element: loss in dB
//   }
//
// Compact arrays for links: the 100k-GPU three-tier fabric has about 207,000 of them.
#include <algorithm>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "cpo/hal/input_file.h"
#include "cpo/sim/simulator.h"
#include "world_set.h"

namespace cpo::sim {

namespace {
using nlohmann::json;

Status bad(const std::string& origin, const std::string& where, const std::string& what) {
  return Status(Code::invalid_argument, origin + ": " + where + ": " + what);
}

struct SwitchEntry {
  std::string name;
  SimOptions options;
};
struct LinkEntry {
  std::size_t a = 0, b = 0;
  std::uint32_t pa = 0, pb = 0;
  double loss_db = 1.5;
};

Result<std::uint32_t> port_of(const json& v, const std::string& origin, const std::string& where) {
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xFFFFFFFFull)
    return bad(origin, where, "port must be a non-negative integer");
  return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}
}  // namespace

Status Fabric::load_topology(const std::string& path) {
  // The 100,000-GPU fabric of scripts/gen-topology is 9 MB: 256 MiB leaves room for far larger
  // fabrics while /dev/zero or a wrong file still cannot exhaust memory.
  constexpr std::size_t kMaxTopologyBytes = std::size_t{256} << 20;
  auto text = read_input_file(path, "topology file", kMaxTopologyBytes);
  if (!text) return text.status();
  return load_topology_text(*text, path);
}

Status Fabric::load_topology_text(const std::string& text, const std::string& origin) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad(origin, "document", "not valid JSON");
  if (!doc.is_object()) return bad(origin, "document", "must be an object");
  const auto version = doc.find("cposdk_topology");
  if (version == doc.end() || !version->is_number_unsigned() || version->get<std::uint64_t>() != 1)
    return bad(origin, "cposdk_topology", "must be 1");
  double default_loss = 1.5;
  if (const auto l = doc.find("default_loss_db"); l != doc.end()) {
    if (!l->is_number() || !(l->get<double>() >= 0)) return bad(origin, "default_loss_db", "must be a number >= 0");
    default_loss = l->get<double>();
  }
  const auto sws = doc.find("switches");
  if (sws == doc.end() || !sws->is_array()) return bad(origin, "switches", "must be an array");
  std::vector<SwitchEntry> entries;
  entries.reserve(sws->size());
  std::vector<std::pair<std::string, std::size_t>> index;  // name -> entry, sorted
  index.reserve(sws->size());
  for (std::size_t i = 0; i < sws->size(); ++i) {
    const json& e = (*sws)[i];
    const std::string where = "switches[" + std::to_string(i) + "]";
    if (!e.is_object()) return bad(origin, where, "must be an object");
    SwitchEntry se;
    const auto name = e.find("name");
    if (name == e.end() || !name->is_string() || name->get<std::string>().empty())
      return bad(origin, where + ".name", "must be a non-empty string");
    se.name = name->get<std::string>();
    if (const auto p = e.find("profile"); p != e.end()) {
      if (!p->is_string()) return bad(origin, where + ".profile", "must be a string");
      se.options.profile = p->get<std::string>();
    }
    if (const auto sd = e.find("seed"); sd != e.end()) {
      if (!sd->is_number_unsigned()) return bad(origin, where + ".seed", "must be a non-negative integer");
      se.options.seed = sd->get<std::uint64_t>();
    } else {
      se.options.seed = i + 1;
    }
    if (const auto st = e.find("start"); st != e.end()) {
      const std::string v = st->is_string() ? st->get<std::string>() : "";
      if (v == "operational")
        se.options.start = StartState::operational;
      else if (v == "cold")
        se.options.start = StartState::cold;
      else
        return bad(origin, where + ".start", "must be \"operational\" or \"cold\"");
    }
    index.emplace_back(se.name, i);
    entries.push_back(std::move(se));
  }
  std::sort(index.begin(), index.end());
  for (std::size_t i = 1; i < index.size(); ++i)
    if (index[i].first == index[i - 1].first)
      return bad(origin, "switches[" + std::to_string(index[i].second) + "].name",
                 "duplicate name '" + index[i].first + "'");
  for (const auto& [name, sw] : names_)
    if (std::binary_search(index.begin(), index.end(), std::make_pair(name, std::size_t{0}),
                           [](const auto& x, const auto& y) { return x.first < y.first; }))
      return bad(origin, "switches", "name '" + name + "' is already in this fabric");
  const auto lookup = [&](const json& v) -> const std::size_t* {
    if (!v.is_string()) return nullptr;
    const std::string n = v.get<std::string>();
    const auto it = std::lower_bound(index.begin(), index.end(), n,
                                     [](const auto& x, const std::string& key) { return x.first < key; });
    return it != index.end() && it->first == n ? &it->second : nullptr;
  };
  std::vector<LinkEntry> links;
  if (const auto ls = doc.find("links"); ls != doc.end()) {
    if (!ls->is_array()) return bad(origin, "links", "must be an array");
    links.reserve(ls->size());
    std::set<std::pair<std::size_t, std::uint32_t>> used;
    for (std::size_t i = 0; i < ls->size(); ++i) {
      const json& l = (*ls)[i];
      const std::string where = "links[" + std::to_string(i) + "]";
      if (!l.is_array() || (l.size() != 4 && l.size() != 5))
        return bad(origin, where, "must be [switch, port, switch, port] or [switch, port, switch, port, loss_db]");
      const std::size_t* a = lookup(l[0]);
      const std::size_t* b = lookup(l[2]);
      if (a == nullptr) return bad(origin, where, "unknown switch " + l[0].dump());
      if (b == nullptr) return bad(origin, where, "unknown switch " + l[2].dump());
      LinkEntry le;
      le.a = *a;
      le.b = *b;
      auto pa = port_of(l[1], origin, where);
      if (!pa.ok()) return pa.status();
      auto pb = port_of(l[3], origin, where);
      if (!pb.ok()) return pb.status();
      le.pa = *pa;
      le.pb = *pb;
      le.loss_db = default_loss;
      if (l.size() == 5) {
        if (!l[4].is_number() || !(l[4].get<double>() >= 0)) return bad(origin, where, "loss_db must be a number >= 0");
        le.loss_db = l[4].get<double>();
      }
      if (!used.emplace(le.a, le.pa).second)
        return bad(origin, where, entries[le.a].name + " port " + std::to_string(le.pa) + " is cabled twice");
      if (!used.emplace(le.b, le.pb).second)
        return bad(origin, where, entries[le.b].name + " port " + std::to_string(le.pb) + " is cabled twice");
      links.push_back(le);
    }
  }
  // Check the profiles and ports before adding anything.
  std::vector<std::pair<std::string, Platform>> platforms;
  const auto platform_of = [&](const std::string& profile) -> Result<const Platform*> {
    for (const auto& [n, p] : platforms)
      if (n == profile) return &p;
    auto p = Platform::resolve(profile);
    if (!p.ok()) return p.status();
    platforms.emplace_back(profile, std::move(p).value());
    return &platforms.back().second;
  };
  std::vector<const Platform*> pf(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto p = platform_of(entries[i].options.profile);
    if (!p.ok())
      return Status(p.status().code(), origin + ": switches[" + std::to_string(i) + "]: " + p.status().message());
    pf[i] = *p;
  }
  for (std::size_t i = 0; i < links.size(); ++i) {
    const LinkEntry& l = links[i];
    const std::string where = "links[" + std::to_string(i) + "]";
    const auto ports_a = pf[l.a]->ports().size(), ports_b = pf[l.b]->ports().size();
    if (l.pa >= ports_a)
      return Status(Code::out_of_range, origin + ": " + where + ": " + entries[l.a].name + " port " +
                                            std::to_string(l.pa) + ": allowed 0.." + std::to_string(ports_a - 1));
    if (l.pb >= ports_b)
      return Status(Code::out_of_range, origin + ": " + where + ": " + entries[l.b].name + " port " +
                                            std::to_string(l.pb) + ": allowed 0.." + std::to_string(ports_b - 1));
    const auto lanes_a = pf[l.a]->ports()[l.pa].lanes.size(), lanes_b = pf[l.b]->ports()[l.pb].lanes.size();
    if (lanes_a != lanes_b)
      return bad(origin, where,
                 entries[l.a].name + " port " + std::to_string(l.pa) + " has " + std::to_string(lanes_a) + " lanes, " +
                     entries[l.b].name + " port " + std::to_string(l.pb) + " has " + std::to_string(lanes_b));
  }
  const std::size_t first = switches_.size();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto s = add(entries[i].options);
    if (!s.ok())
      return Status(s.status().code(), origin + ": switches[" + std::to_string(i) + "]: " + s.status().message());
  }
  {
    // Every fiber first, then one settle for the document: settling per fiber would
    // recompute and publish two switches for each of a fabric's 200,000 fibers.
    for (std::size_t i = 0; i < links.size(); ++i) {
      const LinkEntry& l = links[i];
      const Status st = worlds_->connect(switches_[first + l.a]->index_, PortId(l.pa), switches_[first + l.b]->index_,
                                         PortId(l.pb), l.loss_db, false);
      if (!st.ok()) {
        worlds_->settle_all();
        return Status(st.code(), origin + ": links[" + std::to_string(i) + "]: " + st.message());
      }
    }
    worlds_->settle_all();
  }
  for (std::size_t i = 0; i < entries.size(); ++i) names_.emplace_back(entries[i].name, switches_[first + i].get());
  std::sort(names_.begin(), names_.end());
  return ok_status();
}

Switch* Fabric::find(const std::string& name) const noexcept {
  const auto it = std::lower_bound(names_.begin(), names_.end(), name,
                                   [](const auto& x, const std::string& key) { return x.first < key; });
  return it != names_.end() && it->first == name ? it->second : nullptr;
}

Switch& Fabric::at(std::size_t i) const noexcept { return *switches_[i]; }

}  // namespace cpo::sim
