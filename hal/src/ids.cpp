#include "cpo/hal/ids.h"

namespace cpo {

std::string to_string(UnitId id) { return "unit " + std::to_string(id.value()); }
std::string to_string(PortId id) { return "port " + std::to_string(id.value()); }
std::string to_string(LaneId id) { return "lane " + std::to_string(id.value()); }
std::string to_string(OeId id) { return "oe " + std::to_string(id.value()); }
std::string to_string(ElsId id) { return "els " + std::to_string(id.value()); }
std::string to_string(OeId oe, BankId bank) { return to_string(oe) + " bank " + std::to_string(bank.value()); }
std::string to_string(const LaserRef& laser) { return to_string(laser.els) + " laser " + std::to_string(laser.index); }
std::string to_string(const LogicalPort& port) { return to_string(port.port) + "/" + std::to_string(port.subport); }

}  // namespace cpo
