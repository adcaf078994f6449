// cpo::shm: register windows in shared memory (memfd), for a device model served by another
// thread or process (cpo-simd), and the cpo::Bar over them.
//
// SharedMemory owns one memfd (Linux memfd_create(2), MFD_CLOEXEC) and one MAP_SHARED
// mapping of it. The fd can be handed to another process (over a UNIX socket with
// SCM_RIGHTS, or inherited) which attaches its own mapping: both see the same bytes.
// ShmBar is a cpo::Bar over such a mapping: each read32/write32 is one aligned 32-bit
// atomic access (acquire loads, release stores, so a seqlock reader over the Bar sees the
// writer's stores in order), time is the host's steady clock and wait() sleeps, as on
// hardware (bar.h).
//
// Thread safety: SharedMemory is movable, not copyable; its const members may be used from
// any thread. ShmBar: as cpo::Bar (every member from any number of threads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "cpo/hal/backend/bar.h"
#include "cpo/hal/status.h"

namespace cpo::shm {

class SharedMemory {
 public:
  // Creates a memfd named `name` (shown in /proc/<pid>/fd, at most 249 bytes) of `size`
  // bytes, zero-filled, and maps it. Errors: invalid_argument when size is 0 or not a
  // multiple of 4; io_error naming the system call and errno text (memfd_create,
  // ftruncate, mmap).
  static Result<SharedMemory> create(std::string_view name, std::size_t size);

  // Maps the memfd (or any shareable file) `fd` again; the fd is duplicated, the caller
  // keeps its own. The size is the file's size. Errors: io_error (bad fd, fstat, mmap),
  // invalid_argument when the file's size is 0 or not a multiple of 4.
  static Result<SharedMemory> attach(int fd);

  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  ~SharedMemory();

  // The memfd, valid while this object lives; dup() it to keep it longer.
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // The mapping, as 32-bit words (4-byte aligned, page aligned in fact).
  [[nodiscard]] std::span<std::uint32_t> words() const noexcept { return {base_, size_ / 4}; }

 private:
  SharedMemory(int fd, std::uint32_t* base, std::size_t size) noexcept : fd_(fd), base_(base), size_(size) {}
  void release() noexcept;

  int fd_ = -1;
  std::uint32_t* base_ = nullptr;
  std::size_t size_ = 0;
};

class ShmBar final : public Bar {
 public:
  // A Bar over `memory`, which it keeps alive.
  explicit ShmBar(std::shared_ptr<const SharedMemory> memory) noexcept;

  [[nodiscard]] std::size_t size() const noexcept override { return size_; }
  // Precondition (as Bar): offset < size() and 4-byte aligned. An offset outside the window
  // reads as 0xffffffff and a write there is dropped, like an unclaimed PCIe access.
  [[nodiscard]] std::uint32_t read32(std::size_t offset) const noexcept override;
  void write32(std::size_t offset, std::uint32_t value) noexcept override;
  // steady_clock since an arbitrary epoch, as on hardware.
  [[nodiscard]] std::chrono::nanoseconds now() const noexcept override;
  // Sleeps for `duration` (at least; the OS may oversleep).
  void wait(std::chrono::nanoseconds duration) noexcept override;

  [[nodiscard]] const SharedMemory& memory() const noexcept { return *memory_; }

 private:
  std::shared_ptr<const SharedMemory> memory_;
  std::uint32_t* base_;
  std::size_t size_;
};

}  // namespace cpo::shm
