// What a URI scheme builds: the platform, the driver and its transport, the device clock,
// and the simulator's back door when there is one. DeviceSwitch::Impl wraps it in the validating
// layer and the policies.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "cpo/hal/backend/driver.h"
#include "cpo/hal/platform.h"
#include "cpo/sdk/simulator.h"

namespace cpo::sdk {

struct Backend {
  // Transport objects (simulator, mapped BARs) the driver talks through; destroyed after
  // the driver (members are destroyed in reverse order).
  std::vector<std::shared_ptr<void>> transport;
  std::shared_ptr<const Platform> platform;
  std::unique_ptr<Driver> driver;
  std::function<std::chrono::nanoseconds()> now;
  std::function<void(std::chrono::nanoseconds)> sleep;
  std::unique_ptr<SimulatorControl> simulator;
};

}  // namespace cpo::sdk
