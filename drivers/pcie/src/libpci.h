// The one place that includes libpci. libpci 3.9's <pci/pci.h> declares C functions without
// an extern "C" block of its own, so C++ must wrap it or the calls would not link.
#pragma once

extern "C" {
#include <pci/pci.h>
}
