// SetMtu (refdev 1.3): the MTU of one sub-port. The firmware keeps it in PortModel::mtu and
// publishes it in the port record's Mtu fields with the rest of the status region.
#include "cpo/hal/backend/refdev/mailbox.h"
#include "world.h"

namespace cpo::sim {

std::array<std::uint32_t, 4> World::set_mtu(SwitchModel& s, UnitModel& u) {
  // The arguments passed the generated check at the doorbell (port, sub-port, range).
  const auto a = rd::unpack_args<rd::SetMtuArgs>(u.args);
  PortModel& p = s.ports[u.first_port + a.Port];
  p.mtu[a.Subport] = a.Bytes;
  touch(s);
  return rd::pack_results(rd::SetMtuResults{.Mtu = p.mtu[a.Subport]});
}

}  // namespace cpo::sim
