#include "agent.h"

#include <variant>

namespace agent {

cpo::Status Agent::bring_up(std::string_view ports, std::string_view mode) {
  auto split = sw_.breakout(ports, mode);
  if (!split) return split.status();
  ports_.clear();
  auto list = sw_.resolve_all(ports);
  if (!list) return list.status();
  for (const auto& ref : *list) {
    const auto* port = std::get_if<cpo::PortId>(&ref);
    if (port == nullptr) continue;
    CPO_RETURN_IF_ERROR(sw_.set_admin(*port, cpo::AdminState::up));
    ports_.push_back(*port);
  }
  return cpo::ok_status();
}

cpo::Status Agent::watch() {
  cpo::sdk::EventFilter filter;
  filter.types = {cpo::EventType::link_change};
  for (cpo::PortId p : ports_) filter.objects.push_back(p);
  auto sub = sw_.subscribe(filter, [this](const cpo::Event& e) { on_event(e); });
  if (!sub) return sub.status();
  subscription_ = std::move(*sub);
  return cpo::ok_status();
}

cpo::Result<Agent::Impact> Agent::impact_of(const cpo::LogicalPort& port, cpo::LinkCause cause) {
  const cpo::Platform& platform = sw_.platform();
  auto map = sw_.breakout_map();
  if (!map) return map.status();
  // The sub-port's first lane tells which laser and which optical engine serve it.
  auto info = platform.port(port.port);
  if (!info) return info.status();
  const auto it = map->find(port.port);
  auto layout = platform.subports(port.port, it != map->end() ? it->second : platform.default_breakout());
  if (!layout) return layout.status();
  if (port.subport >= layout->size())
    return cpo::error(cpo::Code::out_of_range, cpo::to_string(port) + " does not exist under the current breakout");
  auto lane = platform.lane((*info)->lanes[(*layout)[port.subport].first]);
  if (!lane) return lane.status();

  cpo::FailureDomain domain;
  switch (cause) {
    case cpo::LinkCause::laser_fault: domain = (*lane)->laser; break;
    case cpo::LinkCause::els_removed: domain = (*lane)->laser.els; break;
    case cpo::LinkCause::oe_fault:
    case cpo::LinkCause::thermal_shutdown: domain = (*lane)->oe; break;
    default: return Impact{};  // local to the port: nothing else shares it
  }
  auto ports = platform.impacted_ports(domain, *map);
  if (!ports) return ports.status();
  return Impact{cpo::to_string(domain), std::move(*ports)};
}

void Agent::on_event(const cpo::Event& event) {
  const auto* change = event.get<cpo::LinkChange>();
  if (change == nullptr || change->state != cpo::OperState::down) return;
  std::string line =
      "link down " + cpo::sdk::format_object(change->port) + " (" + std::string(cpo::to_string(change->cause)) + ")";
  auto impact = impact_of(change->port, change->cause);
  if (!impact) {
    line += ": " + impact.status().to_string();
  } else if (!impact->domain.empty()) {
    line += ": " + impact->domain + " darkens ";
    for (std::size_t i = 0; i < impact->ports.size(); ++i)
      line += (i == 0 ? "" : ",") + cpo::sdk::format_object(impact->ports[i]);
  }
  log_(line);
}

}  // namespace agent
