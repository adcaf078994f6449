// Validation (every issue with its path) and planning (the ordered diff between two states).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "config/internal.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {

std::string_view to_string(ConfigOpKind kind) noexcept {
  switch (kind) {
    case ConfigOpKind::admin_down: return "admin_down";
    case ConfigOpKind::laser_disable: return "laser_disable";
    case ConfigOpKind::laser_control: return "laser_control";
    case ConfigOpKind::laser_bias: return "laser_bias";
    case ConfigOpKind::breakout: return "breakout";
    case ConfigOpKind::fec: return "fec";
    case ConfigOpKind::tx_fir: return "tx_fir";
    case ConfigOpKind::laser_enable: return "laser_enable";
    case ConfigOpKind::laser_power: return "laser_power";
    case ConfigOpKind::admin_up: return "admin_up";
    case ConfigOpKind::class_limit: return "class_limit";
    case ConfigOpKind::thresholds: return "thresholds";
  }
  return "?";
}

std::string ConfigOp::to_string() const {
  std::string out = fmt::format("{}: {} {} -> {}", object_text(object), field, from, to);
  if (!source.empty()) out += fmt::format(" ({})", source);
  return out;
}

std::size_t ConfigPlan::device_ops() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(ops.begin(), ops.end(), [](const ConfigOp& o) { return o.touches_device(); }));
}

Desired resolve_unsorted(Switch& sw, const Config& config, const ConfigState& running,
                         std::vector<ConfigIssue>& issues);

namespace {

// The admin states of the sub-ports after a breakout, as the breakout policy carries them: a
// new sub-port is up when any of its lanes belonged to an up sub-port (docs/sdk.md).
std::vector<AdminState> carried_admin(const Platform& platform, const PortState& from, const BreakoutMode& to) {
  std::vector<AdminState> out(to.subport_count(), AdminState::down);
  auto before = platform.subports(from.port, from.breakout);
  auto after = platform.subports(from.port, to);
  if (!before || !after) return out;
  std::uint64_t up_lanes = 0;
  for (std::size_t s = 0; s < before->size() && s < from.admin.size(); ++s) {
    if (from.admin[s] != AdminState::up) continue;
    for (std::uint32_t k = 0; k < (*before)[s].count; ++k) up_lanes |= 1ull << ((*before)[s].first + k);
  }
  for (std::size_t s = 0; s < after->size() && s < out.size(); ++s) {
    for (std::uint32_t k = 0; k < (*after)[s].count; ++k)
      if ((up_lanes >> ((*after)[s].first + k)) & 1u) out[s] = AdminState::up;
  }
  return out;
}

BreakoutMap breakout_map_of(const Platform& platform, const ConfigState& state) {
  BreakoutMap map;
  for (const auto& p : state.ports)
    if (!(p.breakout == platform.default_breakout())) map.emplace(p.port, p.breakout);
  return map;
}

std::string fec_list(const std::vector<FecMode>& modes) {
  std::string out;
  for (auto m : modes) out += (out.empty() ? "" : ", ") + std::string(to_string(m));
  return out.empty() ? "none settable" : out;
}

Status check_fir(const TxFir& f, const TxFirLimits& l) {
  const bool in = f.pre >= l.pre_min && f.pre <= l.pre_max && f.main >= l.main_min && f.main <= l.main_max &&
                  f.post >= l.post_min && f.post <= l.post_max;
  const std::int64_t swing =
      std::abs(static_cast<std::int64_t>(f.pre)) + f.main + std::abs(static_cast<std::int64_t>(f.post));
  if (!in || (l.swing_max != 0 && swing > l.swing_max)) {
    return error(Code::out_of_range,
                 fmt::format("tx_fir {} is outside the backend's limits (pre {}..{}, main {}..{}, post {}..{}{})",
                             fir_text(f), l.pre_min, l.pre_max, l.main_min, l.main_max, l.post_min, l.post_max,
                             l.swing_max != 0 ? fmt::format(", |pre| + main + |post| <= {}", l.swing_max) : ""));
  }
  return ok_status();
}

}  // namespace

namespace {

// Issues in document order: by section, then entry index; discovery order otherwise.
void sort_issues(std::vector<ConfigIssue>& issues) {
  auto key = [](const std::string& path) {
    static constexpr std::string_view kSections[] = {"schema_version", "platform", "laser_class_limit_mw",
                                                     "ports",          "lasers",   "thresholds"};
    std::size_t section = std::size(kSections);
    for (std::size_t i = 0; i < std::size(kSections); ++i) {
      if (path.rfind(kSections[i], 0) == 0) section = i;
    }
    std::size_t index = 0;
    if (auto open = path.find('['); open != std::string::npos) {
      for (std::size_t i = open + 1; i < path.size() && path[i] >= '0' && path[i] <= '9'; ++i)
        index = index * 10 + static_cast<std::size_t>(path[i] - '0');
    }
    return std::make_pair(section, index);
  };
  std::stable_sort(issues.begin(), issues.end(),
                   [&](const ConfigIssue& a, const ConfigIssue& b) { return key(a.path) < key(b.path); });
}

}  // namespace

Desired resolve(Switch& sw, const Config& config, const ConfigState& running, std::vector<ConfigIssue>& issues) {
  Desired d = resolve_unsorted(sw, config, running, issues);
  sort_issues(issues);
  return d;
}

Desired resolve_unsorted(Switch& sw, const Config& config, const ConfigState& running,
                         std::vector<ConfigIssue>& issues) {
  const Platform& platform = sw.platform();
  const Capabilities& caps = sw.capabilities();
  Desired d;
  d.state = running;
  auto add = [&](std::string path, Code code, std::string message) {
    issues.push_back({std::move(path), code, std::move(message)});
  };

  if (config.schema_version != kConfigSchemaVersion) {
    add("schema_version", Code::invalid_argument,
        fmt::format("{} is not supported (this cposdk reads {})", config.schema_version, kConfigSchemaVersion));
  }
  if (!config.platform.empty() && config.platform != platform.name()) {
    add("platform", Code::invalid_argument,
        fmt::format("the document is for platform {}, this switch is {}", config.platform, platform.name()));
    return d;  // its port and laser numbers mean something else here
  }

  // --- switch settings ---------------------------------------------------------------
  // The ceiling is the limit the switch was opened with: a document may lower the limit and
  // a later one raise it back, never above that.
  std::optional<Milliwatts> limit = running.laser_class_limit;
  const std::optional<Milliwatts> ceiling =
      sw.options().laser.class_limit ? sw.options().laser.class_limit : platform.laser_class_limit();
  if (config.laser_class_limit) {
    if (ceiling && *config.laser_class_limit > *ceiling) {
      add("laser_class_limit_mw", Code::safety_refused,
          fmt::format("{} mW is above the laser class limit the switch was opened with, {} mW (a document may "
                      "only lower it)",
                      power_text(*config.laser_class_limit), power_text(*ceiling)));
    } else {
      d.state.laser_class_limit = round_power(*config.laser_class_limit);
      d.class_limit_source = "laser_class_limit_mw";
      limit = d.state.laser_class_limit;
    }
  }
  if (config.thresholds) {
    EventOptions events;
    events.rules = *config.thresholds;
    d.state.thresholds = threshold_rules(events);
    sort_rules(d.state.thresholds);
    d.thresholds_source = "thresholds";
  }

  // --- ports ---------------------------------------------------------------------------
  const BreakoutMap running_map = breakout_map_of(platform, running);
  struct PortWant {
    std::optional<BreakoutMode> breakout;
    std::vector<AdminState> admin;
    std::optional<FecMode> fec;
    std::vector<TxFir> tx_fir;
  };
  std::map<std::uint32_t, PortWant> want;
  std::vector<BreakoutGroupRequest> groups;
  std::map<std::uint32_t, std::string> breakout_source;
  for (std::size_t i = 0; i < config.ports.size(); ++i) {
    const PortSettings& e = config.ports[i];
    const std::string path = fmt::format("ports[{}]", i);
    auto list = parse_ports(e.select, platform, running_map);
    if (!list) {
      add(path + ".port", list.status().code(), list.status().message());
      continue;
    }
    if (!e.admin.empty() && !caps.port_admin) {
      add(path + ".admin", Code::unsupported, fmt::format("backend {} cannot set admin states", caps.backend));
    }
    if (e.fec && std::find(caps.fec_modes.begin(), caps.fec_modes.end(), *e.fec) == caps.fec_modes.end()) {
      add(path + ".fec", Code::unsupported,
          fmt::format("backend {} cannot set FEC {} (allowed: {})", caps.backend, to_string(*e.fec),
                      fec_list(caps.fec_modes)));
    }
    if (!e.tx_fir.empty()) {
      if (!caps.tx_fir) {
        add(path + ".tx_fir", Code::unsupported, fmt::format("backend {} cannot set tx-FIR taps", caps.backend));
      } else {
        for (std::size_t k = 0; k < e.tx_fir.size(); ++k) {
          if (auto s = check_fir(e.tx_fir[k], caps.tx_fir_limits); !s.ok()) {
            add(e.tx_fir.size() == 1 ? path + ".tx_fir" : fmt::format("{}.tx_fir[{}]", path, k), s.code(), s.message());
          }
        }
      }
    }
    for (PortId port : *list) {
      PortWant& w = want[port.value()];
      auto claim = [&](const char* field, bool set, bool already) {
        if (!set) return false;
        const auto key = std::make_pair(port.value(), std::string(field));
        if (already) {
          add(fmt::format("{}.{}", path, field), Code::invalid_argument,
              fmt::format("{}'s {} is already set by {}", to_string(port), field, d.port_source[key]));
          return false;
        }
        d.port_source[key] = fmt::format("{}.{}", path, field);
        return true;
      };
      if (claim("breakout", e.breakout.has_value(), w.breakout.has_value())) {
        w.breakout = e.breakout;
        groups.push_back(BreakoutGroupRequest{port, *e.breakout});
        breakout_source[port.value()] = path + ".breakout";
      }
      if (claim("admin", !e.admin.empty(), !w.admin.empty())) w.admin = e.admin;
      if (claim("fec", e.fec.has_value(), w.fec.has_value())) w.fec = e.fec;
      if (claim("tx_fir", !e.tx_fir.empty(), !w.tx_fir.empty())) w.tx_fir = e.tx_fir;
    }
  }

  // Breakouts: the facade's own policy, in a dry run (no device write). One bulk call when
  // all is well; one call per port to name every port when not.
  std::map<std::uint32_t, BreakoutMode> new_mode;
  if (!groups.empty()) {
    BreakoutOptions dry;
    dry.dry_run = true;
    auto r = sw.breakout(groups, dry);
    if (r) {
      for (const auto& c : r->changes) new_mode[c.port.value()] = c.to;
    } else {
      std::set<std::string> reported;
      for (const auto& g : groups) {
        auto one = sw.breakout(std::span<const BreakoutGroupRequest>(&g, 1), dry);
        if (!one) {
          // One issue per entry: "0-15" with a bad mode is one mistake, not sixteen.
          if (reported.insert(breakout_source[g.port.value()]).second)
            add(breakout_source[g.port.value()], one.status().code(), one.status().message());
        } else {
          for (const auto& c : one->changes) new_mode[c.port.value()] = c.to;
        }
      }
    }
  }

  for (auto& [index, w] : want) {
    PortState& ps = d.state.ports[index];
    const PortState& run = running.ports[index];
    if (auto it = new_mode.find(index); it != new_mode.end()) ps.breakout = it->second;
    const bool changes_breakout = !(ps.breakout == run.breakout);
    const std::uint32_t subs = ps.breakout.subport_count();
    if (!w.admin.empty()) {
      if (w.admin.size() == 1) {
        ps.admin.assign(subs, w.admin.front());
      } else if (w.admin.size() == subs) {
        ps.admin = w.admin;
        if (!caps.subport_admin &&
            std::any_of(ps.admin.begin(), ps.admin.end(), [&](AdminState a) { return a != ps.admin.front(); })) {
          add(d.port_source[{index, "admin"}], Code::unsupported,
              fmt::format("backend {} sets admin states per port only (give one value)", caps.backend));
        }
      } else {
        add(d.port_source[{index, "admin"}], Code::invalid_argument,
            fmt::format("{} values for {}, which has {} sub-port{} under {} (give one value, or one per sub-port)",
                        w.admin.size(), to_string(PortId(index)), subs, subs == 1 ? "" : "s", ps.breakout.to_string()));
      }
    } else if (changes_breakout) {
      ps.admin = carried_admin(platform, run, ps.breakout);
    }
    if (w.fec) ps.fec = *w.fec;
    if (!w.tx_fir.empty()) {
      const std::size_t lanes = run.tx_fir.size();
      if (w.tx_fir.size() == 1) {
        ps.tx_fir.assign(lanes, w.tx_fir.front());
      } else if (w.tx_fir.size() == lanes) {
        ps.tx_fir = w.tx_fir;
      } else {
        add(d.port_source[{index, "tx_fir"}], Code::invalid_argument,
            fmt::format("{} tap sets for {}, which has {} lanes (give one, or one per lane)", w.tx_fir.size(),
                        to_string(PortId(index)), lanes));
      }
    }
  }

  // --- lasers --------------------------------------------------------------------------
  struct LaserWant {
    std::optional<bool> enabled;
    std::optional<Milliwatts> power;
    std::optional<cmis::ElsControlMode> control;
    std::optional<Milliamps> bias;
  };
  std::map<LaserRef, LaserWant> lasers;
  std::map<std::pair<std::uint32_t, std::uint32_t>, Result<LaserLimits>> limits;  // per ELS bank
  auto limits_of = [&](const LaserRef& l) -> const Result<LaserLimits>& {
    const auto key = std::make_pair(l.els.value(), l.index / 8u);
    auto it = limits.find(key);
    if (it == limits.end()) it = limits.emplace(key, sw.laser_limits(l)).first;
    return it->second;
  };
  std::map<LaserRef, std::size_t> laser_index;
  for (std::size_t k = 0; k < running.lasers.size(); ++k) laser_index[running.lasers[k].laser] = k;
  const double max_rate = sw.options().laser.max_ramp_rate.value();
  for (std::size_t i = 0; i < config.lasers.size(); ++i) {
    const LaserSettings& e = config.lasers[i];
    const std::string path = fmt::format("lasers[{}]", i);
    auto list = parse_lasers(e.select, platform);
    if (!list) {
      add(path + ".laser", list.status().code(), list.status().message());
      continue;
    }
    if (e.ramp && e.ramp->value() > max_rate) {
      add(path + ".ramp_db_per_s", Code::safety_refused,
          fmt::format("{} dB/s is faster than the laser policy allows (at most {} dB/s)", e.ramp->value(), max_rate));
    }
    bool reported_power = false;
    for (const LaserRef& laser : *list) {
      LaserWant& w = lasers[laser];
      auto claim = [&](const char* field, bool set, bool already) {
        if (!set) return false;
        const auto key = std::make_pair(laser, std::string(field));
        if (already) {
          add(fmt::format("{}.{}", path, field), Code::invalid_argument,
              fmt::format("{}'s {} is already set by {}", to_string(laser), field, d.laser_source[key]));
          return false;
        }
        d.laser_source[key] = fmt::format("{}.{}", path, field);
        return true;
      };
      if (claim("enabled", e.enabled.has_value(), w.enabled.has_value())) w.enabled = e.enabled;
      if (claim("power_mw", e.power.has_value(), w.power.has_value())) {
        w.power = round_power(*e.power);
        const auto& lim = limits_of(laser);
        if (!lim) {
          if (!reported_power) add(path + ".power_mw", lim.status().code(), lim.status().message());
          reported_power = true;
        } else {
          // The module's range and the class limit this document leaves in force (the running
          // one may be lower: the plan raises it before the ramps).
          const double lo = lim->min_power.value();
          double hi = lim->max_power.value();
          if (limit) hi = std::min(hi, limit->value());
          if ((w.power->value() < lo - 0.005 || w.power->value() > hi + 0.005) && !reported_power) {
            add(path + ".power_mw", Code::safety_refused,
                fmt::format("{}: {} mW ({:.2f} dBm) is outside what it may emit ({} .. {} mW: the module's range{})",
                            to_string(laser), power_text(*w.power), to_dbm(*w.power).value(),
                            power_text(Milliwatts(lo)), power_text(Milliwatts(hi)),
                            limit ? " and the laser class limit" : ""));
            reported_power = true;
          }
        }
      }
      if (claim("control", e.control.has_value(), w.control.has_value())) {
        w.control = e.control;
        if (const auto& lim = limits_of(laser); !lim)
          add(path + ".control", lim.status().code(), lim.status().message());
      }
      if (claim("bias_ma", e.bias.has_value(), w.bias.has_value())) {
        w.bias = round_bias(*e.bias);
        const auto& lim = limits_of(laser);
        if (!lim) {
          add(path + ".bias_ma", lim.status().code(), lim.status().message());
        } else if (w.bias->value() < lim->min_bias.value() - 0.05 || w.bias->value() > lim->max_bias.value() + 0.05) {
          add(path + ".bias_ma", Code::safety_refused,
              fmt::format("{}: bias {} mA is outside the module's advertised range {} .. {} mA", to_string(laser),
                          bias_text(*w.bias), bias_text(lim->min_bias), bias_text(lim->max_bias)));
        }
      }
      if (e.ramp) d.ramp[laser] = *e.ramp;
    }
  }
  for (const auto& [laser, w] : lasers) {
    LaserSetting& ls = d.state.lasers[laser_index[laser]];
    if (w.enabled) ls.enabled = *w.enabled;
    if (w.power) ls.power = *w.power;
    if (w.bias) ls.bias = *w.bias;
    const auto& lim = limits_of(laser);
    if (w.enabled && *w.enabled && !running.lasers[laser_index[laser]].enabled && !lim) {
      add(d.laser_source[{laser, "enabled"}], lim.status().code(), lim.status().message());
    }
  }

  // A control mode is one bit per ELS bank (ELSFP page 1Ah byte 140): every laser of the bank
  // takes the mode asked for one of them; two lasers of a bank asking different modes is an
  // issue. The policy changes it only with the whole bank dark, so a bank lit now changes
  // mode only when the document turns each of its lit lasers off.
  {
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<cmis::ElsControlMode, std::string>> bank_mode;
    for (const auto& [laser, w] : lasers) {
      if (!w.control) continue;
      const auto bank = std::make_pair(laser.els.value(), laser.index / cmis::kLanesPerBank);
      const std::string& src = d.laser_source[{laser, "control"}];
      auto [it, fresh] = bank_mode.emplace(bank, std::make_pair(*w.control, src));
      if (!fresh && it->second.first != *w.control) {
        add(src, Code::invalid_argument,
            fmt::format("{}: control {} differs from {} asked by {} for the same bank ({} bank {}: one mode per bank "
                        "of {} lasers)",
                        to_string(laser), control_text(*w.control), control_text(it->second.first), it->second.second,
                        to_string(laser.els), bank.second, cmis::kLanesPerBank));
      }
    }
    for (const auto& [bank, mode] : bank_mode) {
      std::vector<std::string> lit;
      bool changes = false;
      for (std::size_t k = 0; k < d.state.lasers.size(); ++k) {
        LaserSetting& ls = d.state.lasers[k];
        if (ls.laser.els.value() != bank.first || ls.laser.index / cmis::kLanesPerBank != bank.second) continue;
        changes = changes || ls.control != mode.first;
        ls.control = mode.first;
        if (running.lasers[k].enabled) lit.push_back(to_string(ls.laser));
      }
      std::vector<std::string> staying;
      for (const auto& name : lit) {
        for (std::size_t k = 0; k < d.state.lasers.size(); ++k) {
          if (to_string(d.state.lasers[k].laser) != name) continue;
          // Lit now: changes only when the document turns it off (not when it is merely lit again).
          const auto src = d.laser_source.find({d.state.lasers[k].laser, "enabled"});
          if (d.state.lasers[k].enabled || src == d.laser_source.end()) staying.push_back(name);
        }
      }
      if (changes && !staying.empty()) {
        add(mode.second, Code::failed_precondition,
            fmt::format("control {} changes the mode of {} bank {}, which needs every laser of the bank off; {} "
                        "{} lit (add enabled: false for them, with their ports admin down)",
                        control_text(mode.first), to_string(ElsId(bank.first)), bank.second, fmt::join(staying, ", "),
                        staying.size() == 1 ? "is" : "are"));
      }
    }
  }

  // A lower class limit must hold for every lit laser, also those the document leaves alone.
  if (d.state.laser_class_limit && config.laser_class_limit) {
    for (const auto& ls : d.state.lasers) {
      if (ls.enabled && ls.power.value() > d.state.laser_class_limit->value() + 0.005 &&
          !d.laser_source.count({ls.laser, "power_mw"})) {
        add("laser_class_limit_mw", Code::safety_refused,
            fmt::format("{} runs at {} mW, above the document's class limit of {} mW (set its power_mw lower)",
                        to_string(ls.laser), power_text(ls.power), power_text(*d.state.laser_class_limit)));
      }
    }
  }

  // --- across ports and lasers: a laser going dark must not light admin-up ports -------
  const BreakoutMap desired_map = breakout_map_of(platform, d.state);
  for (std::size_t k = 0; k < d.state.lasers.size(); ++k) {
    const LaserSetting& to = d.state.lasers[k];
    if (to.enabled || !running.lasers[k].enabled) continue;
    auto lit = platform.impacted_ports(to.laser, desired_map);
    if (!lit) continue;
    std::vector<std::string> up;
    for (const LogicalPort& lp : *lit) {
      const PortState& ps = d.state.ports[lp.port.value()];
      if (lp.subport < ps.admin.size() && ps.admin[lp.subport] == AdminState::up) up.push_back(to_string(lp));
    }
    if (!up.empty()) {
      auto src = d.laser_source.find({to.laser, "enabled"});
      add(src != d.laser_source.end() ? src->second : "lasers", Code::safety_refused,
          fmt::format("turning {} off would darken admin-up {} (set them admin down in the same document)",
                      to_string(to.laser), fmt::join(up, ", ")));
    }
  }
  return d;
}

std::vector<ConfigOp> diff_states(const Platform& platform, const ConfigState& from, const ConfigState& to) {
  std::vector<ConfigOp> down, dark, control, split, fec, fir, raise_limit, bias, light, power, lower_limit, up, open;
  const std::size_t ports = std::min(from.ports.size(), to.ports.size());
  for (std::size_t i = 0; i < ports; ++i) {
    const PortState& f = from.ports[i];
    const PortState& t = to.ports[i];
    const PortId port = f.port;
    const bool brk = !(f.breakout == t.breakout);
    std::vector<AdminState> after = f.admin;
    auto admin_op = [&](std::vector<ConfigOp>& list, ConfigOpKind kind, AdminState state,
                        std::optional<std::uint32_t> sub, std::string from_text) {
      ConfigOp op;
      op.kind = kind;
      op.object = sub ? ObjectRef(LogicalPort{port, *sub}) : ObjectRef(port);
      op.field = "admin";
      op.from = std::move(from_text);
      op.to = std::string(to_string(state));
      op.admin = state;
      list.push_back(std::move(op));
    };
    const auto any_up = [](const std::vector<AdminState>& a) {
      return std::any_of(a.begin(), a.end(), [](AdminState s) { return s == AdminState::up; });
    };
    if (brk) {
      if (any_up(f.admin))
        admin_op(down, ConfigOpKind::admin_down, AdminState::down, std::nullopt, admin_text(f.admin));
      ConfigOp op;
      op.kind = ConfigOpKind::breakout;
      op.object = port;
      op.field = "breakout";
      op.from = f.breakout.to_string();
      op.to = t.breakout.to_string();
      op.breakout = t.breakout;
      split.push_back(std::move(op));
      after.assign(t.breakout.subport_count(), AdminState::down);
    } else {
      std::vector<std::uint32_t> going;
      for (std::uint32_t s = 0; s < f.admin.size() && s < t.admin.size(); ++s)
        if (f.admin[s] == AdminState::up && t.admin[s] == AdminState::down) going.push_back(s);
      if (!going.empty()) {
        if (!any_up(t.admin)) {
          admin_op(down, ConfigOpKind::admin_down, AdminState::down, std::nullopt, admin_text(f.admin));
        } else {
          for (auto s : going) admin_op(down, ConfigOpKind::admin_down, AdminState::down, s, "up");
        }
        for (auto s : going) after[s] = AdminState::down;
      }
    }
    if (f.fec != t.fec) {
      ConfigOp op;
      op.kind = ConfigOpKind::fec;
      op.object = port;
      op.field = "fec";
      op.from = std::string(to_string(f.fec));
      op.to = std::string(to_string(t.fec));
      op.fec = t.fec;
      fec.push_back(std::move(op));
    }
    const auto& lanes = platform.ports()[i].lanes;
    for (std::size_t k = 0; k < t.tx_fir.size() && k < f.tx_fir.size() && k < lanes.size(); ++k) {
      if (f.tx_fir[k] == t.tx_fir[k]) continue;
      ConfigOp op;
      op.kind = ConfigOpKind::tx_fir;
      op.object = lanes[k];
      op.field = "tx_fir";
      op.from = fir_text(f.tx_fir[k]);
      op.to = fir_text(t.tx_fir[k]);
      op.tx_fir = t.tx_fir[k];
      fir.push_back(std::move(op));
    }
    std::vector<std::uint32_t> coming;
    for (std::uint32_t s = 0; s < t.admin.size() && s < after.size(); ++s)
      if (after[s] == AdminState::down && t.admin[s] == AdminState::up) coming.push_back(s);
    if (!coming.empty()) {
      const bool whole = !any_up(after) &&
                         std::all_of(t.admin.begin(), t.admin.end(), [](AdminState s) { return s == AdminState::up; });
      if (whole) {
        admin_op(up, ConfigOpKind::admin_up, AdminState::up, std::nullopt, admin_text(after));
      } else {
        for (auto s : coming) admin_op(up, ConfigOpKind::admin_up, AdminState::up, s, "down");
      }
    }
  }
  const std::size_t lasers = std::min(from.lasers.size(), to.lasers.size());
  std::set<std::pair<std::uint32_t, std::uint32_t>> mode_banks;  // one control op per bank
  for (std::size_t k = 0; k < lasers; ++k) {
    const LaserSetting& f = from.lasers[k];
    const LaserSetting& t = to.lasers[k];
    if (f.control != t.control && mode_banks.emplace(t.laser.els.value(), t.laser.index / cmis::kLanesPerBank).second) {
      ConfigOp op;
      op.kind = ConfigOpKind::laser_control;
      op.object = t.laser;
      op.field = "control";
      op.from = control_text(f.control);
      op.to = control_text(t.control);
      op.control = t.control;
      control.push_back(std::move(op));
    }
    if (std::abs(f.bias.value() - t.bias.value()) > 0.05) {
      ConfigOp op;
      op.kind = ConfigOpKind::laser_bias;
      op.object = t.laser;
      op.field = "bias_ma";
      op.from = bias_text(f.bias);
      op.to = bias_text(t.bias);
      op.bias = t.bias;
      bias.push_back(std::move(op));
    }
    const bool power_differs = std::abs(f.power.value() - t.power.value()) > 0.005;
    ConfigOp op;
    op.object = t.laser;
    op.power = t.power;
    if (f.enabled && !t.enabled) {
      op.kind = ConfigOpKind::laser_disable;
      op.field = "enabled";
      op.from = "true";
      op.to = "false";
      dark.push_back(op);
    }
    if (!f.enabled && t.enabled) {
      op.kind = ConfigOpKind::laser_enable;
      op.field = "enabled";
      op.from = "false";
      op.to = fmt::format("true at {} mW", power_text(t.power));
      light.push_back(op);
    } else if (power_differs) {
      op.kind = ConfigOpKind::laser_power;
      op.field = "power_mw";
      op.from = power_text(f.power);
      op.to = power_text(t.power);
      power.push_back(op);
    }
  }
  if (from.laser_class_limit != to.laser_class_limit) {
    ConfigOp op;
    op.kind = ConfigOpKind::class_limit;
    op.object = UnitId(0);
    op.field = "laser_class_limit_mw";
    op.class_limit = to.laser_class_limit;
    op.from = from.laser_class_limit ? power_text(*from.laser_class_limit) : "none";
    op.to = to.laser_class_limit ? power_text(*to.laser_class_limit) : "none";
    // Raised before lasers light and ramp up; lowered after they ramped down.
    const bool lower =
        to.laser_class_limit && (!from.laser_class_limit || *to.laser_class_limit < *from.laser_class_limit);
    (lower ? lower_limit : raise_limit).push_back(std::move(op));
  }
  if (!same_rules(from.thresholds, to.thresholds)) {
    ConfigOp op;
    op.kind = ConfigOpKind::thresholds;
    op.object = UnitId(0);
    op.field = "thresholds";
    op.rules = to.thresholds;
    std::vector<std::string> changed_from, changed_to;
    for (const auto& r : to.thresholds) {
      auto same = std::find_if(from.thresholds.begin(), from.thresholds.end(), [&](const ThresholdRule& o) {
        return o.quantity == r.quantity && o.level == r.level && o.bound == r.bound && o.threshold == r.threshold &&
               o.hysteresis == r.hysteresis;
      });
      if (same == from.thresholds.end()) changed_to.push_back(rules_text({r}));
    }
    for (const auto& r : from.thresholds) {
      auto same = std::find_if(to.thresholds.begin(), to.thresholds.end(), [&](const ThresholdRule& o) {
        return o.quantity == r.quantity && o.level == r.level && o.bound == r.bound && o.threshold == r.threshold &&
               o.hysteresis == r.hysteresis;
      });
      if (same == to.thresholds.end()) changed_from.push_back(rules_text({r}));
    }
    op.from = changed_from.empty() ? "-" : fmt::format("{}", fmt::join(changed_from, "; "));
    op.to = changed_to.empty() ? "-" : fmt::format("{}", fmt::join(changed_to, "; "));
    open.push_back(std::move(op));
  }
  std::vector<ConfigOp> ops;
  for (auto* list :
       {&down, &dark, &control, &split, &fec, &fir, &raise_limit, &bias, &light, &power, &lower_limit, &up, &open}) {
    for (auto& op : *list) ops.push_back(std::move(op));
  }
  return ops;
}

std::vector<ConfigIssue> validate_config(Switch& sw, const Config& config) {
  std::vector<ConfigIssue> issues;
  auto running = read_config_state(sw);
  if (!running) {
    issues.push_back({"", running.status().code(), "reading the running state: " + running.status().message()});
    return issues;
  }
  (void)resolve(sw, config, *running, issues);
  return issues;
}

namespace {

// The document path of an operation, from the sources resolve() kept.
std::string source_of(const Desired& d, const ConfigOp& op) {
  auto port_field = [&](std::uint32_t port, const std::string& field) -> std::string {
    auto it = d.port_source.find({port, field});
    return it != d.port_source.end() ? it->second : std::string();
  };
  if (const auto* p = std::get_if<PortId>(&op.object)) {
    if (op.field == "admin" && port_field(p->value(), "admin").empty()) return port_field(p->value(), "breakout");
    return port_field(p->value(), op.field);
  }
  if (const auto* lp = std::get_if<LogicalPort>(&op.object)) {
    const std::string s = port_field(lp->port.value(), "admin");
    return s.empty() ? port_field(lp->port.value(), "breakout") : s;
  }
  if (const auto* lane = std::get_if<LaneId>(&op.object)) {
    (void)lane;
    return {};
  }
  if (const auto* l = std::get_if<LaserRef>(&op.object)) {
    if (op.field == "control" || op.field == "bias_ma") {
      auto it = d.laser_source.find({*l, op.field});
      if (it != d.laser_source.end()) return it->second;
      // The bank's mode asked through another laser of the bank.
      for (const auto& [key, src] : d.laser_source)
        if (key.second == "control" && key.first.els == l->els &&
            key.first.index / cmis::kLanesPerBank == l->index / cmis::kLanesPerBank)
          return src;
      return {};
    }
    auto it = d.laser_source.find({*l, op.field == "power_mw" ? "power_mw" : "enabled"});
    if (it == d.laser_source.end()) it = d.laser_source.find({*l, "power_mw"});
    return it != d.laser_source.end() ? it->second : std::string();
  }
  return op.field == "thresholds" ? d.thresholds_source : d.class_limit_source;
}

}  // namespace

Result<ConfigPlan> plan_config(Switch& sw, const Config& config, std::vector<ConfigIssue>* issues_out) {
  std::vector<ConfigIssue> issues;
  auto running = read_config_state(sw);
  if (!running) return running.status().with_context("reading the running state");
  Desired d = resolve(sw, config, *running, issues);
  if (!issues.empty()) {
    Status s = issues_status(issues);
    if (issues_out != nullptr) *issues_out = std::move(issues);
    return s;
  }
  ConfigPlan plan;
  plan.from = std::move(running).value();
  plan.to = std::move(d.state);
  plan.ops = diff_states(sw.platform(), plan.from, plan.to);
  const Platform& platform = sw.platform();
  for (auto& op : plan.ops) {
    if (const auto* lane = std::get_if<LaneId>(&op.object)) {
      const LaneInfo& info = platform.lanes()[lane->value()];
      auto it = d.port_source.find({info.port.value(), "tx_fir"});
      if (it != d.port_source.end()) op.source = it->second;
    } else {
      op.source = source_of(d, op);
    }
    if (const auto* l = std::get_if<LaserRef>(&op.object)) {
      if (auto it = d.ramp.find(*l); it != d.ramp.end()) op.ramp = it->second;
    }
  }
  return plan;
}

}  // namespace cpo::sdk
