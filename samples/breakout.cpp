// Breakout: split ports 0-15 into 4x200G with one bulk call, list the logical ports that
// result, then restore 1x800G.
//
//   breakout [URI]        default sim://cpo144
#include <cstdio>
#include <string>

#include <cpo/sdk/switch.h>

int main(int argc, char** argv) {
  const std::string uri = argc > 1 ? argv[1] : "sim://cpo144";
  auto opened = cpo::Switch::open(uri);
  if (!opened) {
    std::fprintf(stderr, "open %s: %s\n", uri.c_str(), opened.status().to_string().c_str());
    return 4;
  }
  cpo::Switch& sw = **opened;

  // One call for all sixteen groups: validated whole before anything is written, applied per
  // unit in parallel, rolled back completely if any group fails.
  auto split = sw.breakout("0-15", "4x200G");
  if (!split) {
    std::fprintf(stderr, "breakout: %s\n", split.status().to_string().c_str());
    return 3;
  }
  std::printf("split %zu ports: %zu logical ports removed, %zu created\n", split->changes.size(), split->removed.size(),
              split->created.size());

  // The names a NOS uses: SONiC names each sub-port after its first lane.
  auto map = sw.breakout_map();
  if (!map) return 4;
  for (const cpo::LogicalPort& lp : split->created) {
    auto name = cpo::sdk::sonic_name(sw.platform(), lp, *map);
    std::printf("  %-10s %s\n", cpo::sdk::format_object(lp).c_str(), name ? name->c_str() : "?");
  }

  // SONiC's spelling "1x800G" stands for the profile's 1x800G[400G].
  auto back = sw.breakout("0-15", "1x800G");
  if (!back) {
    std::fprintf(stderr, "restore: %s\n", back.status().to_string().c_str());
    return 3;
  }
  std::printf("restored %zu ports to 1x800G\n", back->changes.size());
  return 0;
}
