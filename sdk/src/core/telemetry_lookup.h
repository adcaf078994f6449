// Finding one object's values in a whole-switch Telemetry (units list their own objects).
#pragma once

#include "cpo/hal/telemetry.h"

namespace cpo::sdk {

inline const ElsTelemetry* find_els(const Telemetry& t, ElsId els) {
  for (const auto& u : t.units)
    for (const auto& e : u.els)
      if (e.els == els) return &e;
  return nullptr;
}

inline const LaserTelemetry* find_laser(const Telemetry& t, const LaserRef& laser) {
  for (const auto& u : t.units)
    for (const auto& l : u.lasers)
      if (l.laser == laser) return &l;
  return nullptr;
}

inline const LaneTelemetry* find_lane(const Telemetry& t, LaneId lane) {
  for (const auto& u : t.units)
    for (const auto& l : u.lanes)
      if (l.lane == lane) return &l;
  return nullptr;
}

}  // namespace cpo::sdk
