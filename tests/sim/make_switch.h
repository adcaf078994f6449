// A simulated switch for the simulator's own tests, created or the test fails.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "cpo/sim/simulator.h"

namespace cpo::testing {

inline std::unique_ptr<sim::Switch> make(std::string profile = "cpo144", std::uint64_t seed = 1,
                                         sim::StartState start = sim::StartState::operational) {
  sim::SimOptions o;
  o.profile = std::move(profile);
  o.seed = seed;
  o.start = start;
  auto s = sim::Switch::create(o);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return std::move(s).value();
}

}  // namespace cpo::testing
