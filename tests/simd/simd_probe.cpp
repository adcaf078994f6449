// simd_probe: a deliberately incomplete cpo-simd client for tests. It rings one mailbox
// command through the protocol and then waits to be killed, never letting time pass, so the
// test can SIGKILL it while its command is queued or running in the daemon.
//
//   simd_probe SOCKET UNIT OPCODE [ARG0 ...]     prints "rung" once the daemon has the command
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cpo/hal/backend/refdev/refdev.h"
#include "cpo/sim/simd_client.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    (void)std::fprintf(stderr, "usage: simd_probe SOCKET UNIT OPCODE [ARG0 ...]\n");
    return 2;
  }
  cpo::simd::ConnectOptions options;
  options.client_name = "simd_probe";
  auto client = cpo::simd::Client::connect(argv[1], options);
  if (!client) {
    (void)std::fprintf(stderr, "%s\n", client.status().to_string().c_str());
    return 4;
  }
  const auto unit = std::strtoul(argv[2], nullptr, 0);
  cpo::Bar& bar = (*client)->bar(unit);
  bar.write32(cpo::refdev::reg::kMbxOpcode, static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 0)));
  for (int i = 4; i < argc && i - 4 < 8; ++i) {
    bar.write32(cpo::refdev::mbx_arg(static_cast<std::size_t>(i - 4)),
                static_cast<std::uint32_t>(std::strtoul(argv[i], nullptr, 0)));
  }
  bar.write32(cpo::refdev::reg::kMbxDoorbell, 77);
  (void)std::printf("rung\n");
  (void)std::fflush(stdout);
  for (;;) ::pause();
}
