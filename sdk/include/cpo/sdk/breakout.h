// Breakout requests and results for Switch::breakout (switch.h).
//
// Policy (docs/sdk.md, "Breakout"): the whole request is validated before any device write:
// every port exists and appears once, every mode is one of the profile's modes (SONiC
// spellings: "1x800G", "1x800G[400G]", "2x400G", "4x200G") and fits the port, and every
// sub-port's lanes stay inside one CMIS bank of one optical engine. Then each group is
// applied: its admin states are remembered, the port set admin down, the mode applied, the
// admin states restored. Groups on different units proceed in parallel. When a group fails,
// every group already changed is rolled back to its previous mode and admin state, and the
// call returns the failure naming the group.
//
// Thread safety: plain values.
#pragma once

#include <string>
#include <vector>

#include "cpo/hal/breakout.h"
#include "cpo/hal/ids.h"

namespace cpo::sdk {

struct BreakoutGroupRequest {
  PortId port;
  BreakoutMode mode;
};

struct BreakoutOptions {
  bool dry_run = false;  // validate and plan only: no device access at all
};

struct BreakoutChange {
  PortId port;
  BreakoutMode from;
  BreakoutMode to;
};

struct BreakoutResult {
  std::vector<BreakoutChange> changes;  // groups whose mode changed (unchanged groups are skipped)
  std::vector<LogicalPort> removed;     // logical ports that no longer exist
  std::vector<LogicalPort> created;     // logical ports that now exist
  bool applied = false;                 // false for a dry run
};

}  // namespace cpo::sdk
