// Private to cposdk_pcie (and its tests): how an errno from opening or mapping a sysfs BAR
// file becomes a Status that says what to do. Kept separate so tests can cover the errors a
// test machine cannot produce (EPERM under kernel lockdown, EINVAL from an exclusive region).
#pragma once

#include <string>

#include "cpo/hal/status.h"

namespace cpo::pcie {

struct MapErrorContext {
  std::string who;            // "pci 0000:03:00.0 bar 0"
  std::string path;           // the resourceN file
  std::string bdf;            // "0000:03:00.0"
  std::string operation;      // "open", "fstat" or "mmap"
  std::string lockdown_file;  // /sys/kernel/security/lockdown or a test's stand-in
};

// The current kernel lockdown mode ("none", "integrity", "confidentiality") read from
// `lockdown_file`, or "" when the file is absent or unreadable (no lockdown LSM).
std::string lockdown_mode(const std::string& lockdown_file);

// EACCES -> io_error (root-only file); EPERM -> io_error naming the lockdown mode; EINVAL at
// mmap -> failed_precondition (a driver holds the region exclusively); ENOENT -> not_found;
// anything else -> io_error with strerror.
Status map_errno_status(int err, const MapErrorContext& ctx);

}  // namespace cpo::pcie
