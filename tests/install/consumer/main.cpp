// Loads the default profile through the installed library and prints its port count.
#include <cstdio>

#include <cpo/hal/platform.h>
#include <cpo/sdk/exit_codes.h>

int main() {
  auto platform = cpo::Platform::builtin("cpo144");
  if (!platform) {
    std::fprintf(stderr, "%s\n", platform.status().to_string().c_str());
    return static_cast<int>(cpo::sdk::exit_code_for(platform.status().code()));
  }
  std::printf("%zu ports\n", platform->ports().size());
  return 0;
}
