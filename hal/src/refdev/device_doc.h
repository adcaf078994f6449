// Renders docs/device-interface.md from the register table (registers.def). Private to the
// doc generator (cposdk_refdev_docgen) and the test that keeps the committed document in
// step with the table.
#pragma once

#include <string>

namespace cpo::refdev {

// The whole Markdown document. Deterministic: the same table gives the same bytes.
std::string render_device_interface_markdown();

}  // namespace cpo::refdev
