// The running state a document is compared with: read from one snapshot and the switch's
// options, and written back as a complete, compact document.
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "config/internal.h"
#include "cpo/sdk/switch.h"

namespace cpo::sdk {

void sort_rules(std::vector<ThresholdRule>& rules) {
  std::sort(rules.begin(), rules.end(), [](const ThresholdRule& a, const ThresholdRule& b) {
    return std::tie(a.quantity, a.level, a.bound) < std::tie(b.quantity, b.level, b.bound);
  });
}

bool same_rules(const std::vector<ThresholdRule>& a, const std::vector<ThresholdRule>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].quantity != b[i].quantity || a[i].level != b[i].level || a[i].bound != b[i].bound ||
        a[i].threshold != b[i].threshold || a[i].hysteresis != b[i].hysteresis)
      return false;
  }
  return true;
}

std::string admin_text(const std::vector<AdminState>& admin) {
  if (admin.empty()) return "-";
  if (std::all_of(admin.begin(), admin.end(), [&](AdminState a) { return a == admin.front(); }))
    return std::string(to_string(admin.front()));
  std::string out = "[";
  for (std::size_t i = 0; i < admin.size(); ++i) out += (i ? ", " : "") + std::string(to_string(admin[i]));
  return out + "]";
}

std::string fir_text(const TxFir& fir) {
  return fmt::format("{{pre: {}, main: {}, post: {}}}", fir.pre, fir.main, fir.post);
}

std::string power_text(Milliwatts mw) {
  std::string s = fmt::format("{:.2f}", round_power(mw.value()));
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string bias_text(Milliamps ma) {
  std::string s = fmt::format("{:.1f}", round_bias(ma).value());
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

std::string rules_text(const std::vector<ThresholdRule>& rules) {
  std::string out;
  for (const auto& r : rules) {
    out += fmt::format("{}{} {} {} {} (hysteresis {})", out.empty() ? "" : "; ", to_string(r.quantity),
                       to_string(r.level), to_string(r.bound),
                       r.threshold ? fmt::format("{}", *r.threshold) : std::string("module"), r.hysteresis);
  }
  return out.empty() ? "defaults" : out;
}

std::string object_text(const ObjectRef& object) {
  return std::visit(
      [](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, OeBank>) {
          return to_string(o.oe, o.bank);
        } else if constexpr (std::is_same_v<T, UnitId>) {
          return "switch";
        } else {
          return to_string(o);
        }
      },
      object);
}

bool same_device_state(const ConfigState& a, const ConfigState& b) noexcept {
  return a.platform == b.platform && a.ports == b.ports && a.lasers == b.lasers;
}

bool same_open_settings(const ConfigState& a, const ConfigState& b) noexcept {
  return a.laser_class_limit == b.laser_class_limit && same_rules(a.thresholds, b.thresholds);
}

Result<ConfigState> read_config_state(Switch& sw) {
  auto snap = sw.snapshot();
  if (!snap) return snap.status();
  const Platform& platform = sw.platform();
  ConfigState st;
  st.platform = platform.name();
  const auto& modes = platform.breakout_modes();

  std::vector<const LaneTelemetry*> lanes(platform.lanes().size(), nullptr);
  std::vector<const PortTelemetry*> ports(platform.ports().size(), nullptr);
  for (const auto& u : snap->units.units) {
    for (const auto& l : u.lanes)
      if (l.lane.value() < lanes.size()) lanes[l.lane.value()] = &l;
    for (const auto& p : u.ports)
      if (p.port.value() < ports.size()) ports[p.port.value()] = &p;
  }
  st.ports.reserve(platform.ports().size());
  for (const auto& info : platform.ports()) {
    const PortTelemetry* t = ports[info.id.value()];
    if (t == nullptr) {
      return error(Code::internal, fmt::format("{}: missing from the snapshot", to_string(info.id)));
    }
    PortState ps;
    ps.port = info.id;
    ps.breakout = t->breakout < modes.size() ? modes[t->breakout] : platform.default_breakout();
    const std::uint32_t subs = ps.breakout.subport_count();
    for (std::uint32_t s = 0; s < subs; ++s) {
      ps.admin.push_back(((t->admin_mask >> s) & 1u) != 0 ? AdminState::up : AdminState::down);
    }
    ps.fec = t->fec;
    for (LaneId lane : info.lanes) {
      const LaneTelemetry* l = lane.value() < lanes.size() ? lanes[lane.value()] : nullptr;
      ps.tx_fir.push_back(l != nullptr ? l->tx_fir : TxFir{});
    }
    st.ports.push_back(std::move(ps));
  }
  std::map<LaserRef, const LaserTelemetry*> lasers;
  for (const auto& u : snap->units.units)
    for (const auto& l : u.lasers) lasers[l.laser] = &l;
  // Control mode and bias set-point: the SDK's module pages (a backend without ELS access
  // has neither: they stay at their defaults).
  std::map<LaserRef, LaserStatus> status;
  if (auto all = sw.laser_statuses()) {
    for (auto& s : *all) status.emplace(s.laser, std::move(s));
  } else if (all.status().code() != Code::unsupported) {
    return all.status();
  }
  for (const auto& els : platform.els_modules()) {
    for (const auto& laser : els.lasers) {
      LaserSetting ls;
      ls.laser = laser.ref;
      if (auto it = lasers.find(laser.ref); it != lasers.end()) {
        ls.enabled = it->second->flags.has(LaserFlag::enabled);
        ls.power = round_power(it->second->power_setpoint);
      }
      if (auto it = status.find(laser.ref); it != status.end()) {
        ls.control = it->second.control_mode;
        ls.bias = round_bias(it->second.bias_setpoint);
      }
      st.lasers.push_back(ls);
    }
  }
  st.laser_class_limit = sw.laser_class_limit();
  st.thresholds = sw.threshold_rules();
  sort_rules(st.thresholds);
  return st;
}

namespace {

std::string range_text(std::uint32_t first, std::uint32_t last) {
  return first == last ? fmt::format("{}", first) : fmt::format("{}-{}", first, last);
}

bool same_settings(const PortState& a, const PortState& b) {
  return a.breakout == b.breakout && a.admin == b.admin && a.fec == b.fec && a.tx_fir == b.tx_fir;
}

}  // namespace

Config to_config(const ConfigState& state) {
  Config c;
  c.platform = state.platform;
  c.laser_class_limit = state.laser_class_limit;
  for (std::size_t i = 0; i < state.ports.size();) {
    std::size_t j = i + 1;
    while (j < state.ports.size() && same_settings(state.ports[i], state.ports[j]) &&
           state.ports[j].port.value() == state.ports[j - 1].port.value() + 1)
      ++j;
    const PortState& p = state.ports[i];
    PortSettings s;
    s.select = range_text(p.port.value(), state.ports[j - 1].port.value());
    s.breakout = p.breakout;
    const bool admin_same =
        std::all_of(p.admin.begin(), p.admin.end(), [&](AdminState a) { return a == p.admin.front(); });
    s.admin = admin_same && !p.admin.empty() ? std::vector<AdminState>{p.admin.front()} : p.admin;
    s.fec = p.fec;
    const bool fir_same =
        std::all_of(p.tx_fir.begin(), p.tx_fir.end(), [&](const TxFir& f) { return f == p.tx_fir.front(); });
    s.tx_fir = fir_same && !p.tx_fir.empty() ? std::vector<TxFir>{p.tx_fir.front()} : p.tx_fir;
    c.ports.push_back(std::move(s));
    i = j;
  }
  for (std::size_t i = 0; i < state.lasers.size();) {
    std::size_t j = i + 1;
    const LaserSetting& l = state.lasers[i];
    while (j < state.lasers.size() && state.lasers[j].laser.els == l.laser.els &&
           state.lasers[j].laser.index == state.lasers[j - 1].laser.index + 1 && state.lasers[j].enabled == l.enabled &&
           state.lasers[j].power == l.power && state.lasers[j].control == l.control && state.lasers[j].bias == l.bias)
      ++j;
    LaserSettings s;
    s.select = fmt::format("els{}/{}", l.laser.els.value(), range_text(l.laser.index, state.lasers[j - 1].laser.index));
    s.enabled = l.enabled;
    s.power = l.power;
    s.control = l.control;
    s.bias = l.bias;
    c.lasers.push_back(std::move(s));
    i = j;
  }
  c.thresholds = state.thresholds;
  return c;
}

}  // namespace cpo::sdk
