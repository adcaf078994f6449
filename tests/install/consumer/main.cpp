// Loads the default profile through the installed library and prints its port count; also
// references the PCIe facade so its link dependencies (libpci) must resolve.
#include <cstdio>

#include <cpo/hal/platform.h>
#include <cpo/sdk/exit_codes.h>
#include <cpo/sdk/pci.h>

int main() {
  auto platform = cpo::Platform::builtin("cpo144");
  if (!platform) {
    std::fprintf(stderr, "%s\n", platform.status().to_string().c_str());
    return static_cast<int>(cpo::sdk::exit_code_for(platform.status().code()));
  }
  if (cpo::sdk::pci_switch_asic_ids().empty()) return 1;
  std::printf("%zu ports\n", platform->ports().size());
  return 0;
}
