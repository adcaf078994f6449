// cposdk_refdev_docgen: writes docs/device-interface.md from the register table.
// Usage: cposdk_refdev_docgen [output-file]   (stdout without an argument)
#include <cstdio>
#include <fstream>
#include <iostream>

#include "device_doc.h"

int main(int argc, char** argv) {
  const std::string md = cpo::refdev::render_device_interface_markdown();
  if (argc < 2) {
    std::cout << md;
    return 0;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << md;
  out.close();
  if (!out) {
    std::cerr << "cposdk_refdev_docgen: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
