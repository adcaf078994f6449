#include "cpo/drivers/shm/shm_bar.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace cpo::shm {
namespace {

Status sys_error(std::string_view call, std::string_view what) {
  const int err = errno;
  return error(Code::io_error, fmt::format("{}: {} failed: {}", what, call, std::strerror(err)));
}

Status check_size(std::size_t size, std::string_view what) {
  if (size == 0 || size % 4 != 0) {
    return error(Code::invalid_argument,
                 fmt::format("{}: size {} bytes (must be a positive multiple of 4)", what, size));
  }
  return ok_status();
}

Result<std::uint32_t*> map(int fd, std::size_t size, std::string_view what) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return sys_error("mmap", what);
  return static_cast<std::uint32_t*>(p);
}

}  // namespace

Result<SharedMemory> SharedMemory::create(std::string_view name, std::size_t size) {
  const std::string what = fmt::format("shared memory '{}'", name);
  CPO_RETURN_IF_ERROR(check_size(size, what));
  const std::string cname(name);
  int fd = ::memfd_create(cname.c_str(), MFD_CLOEXEC);
  if (fd < 0) return sys_error("memfd_create", what);
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    Status s = sys_error("ftruncate", what);
    ::close(fd);
    return s;
  }
  auto base = map(fd, size, what);
  if (!base) {
    ::close(fd);
    return base.status();
  }
  return SharedMemory(fd, *base, size);
}

Result<SharedMemory> SharedMemory::attach(int fd) {
  const std::string what = fmt::format("shared memory fd {}", fd);
  int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return sys_error("fcntl(F_DUPFD_CLOEXEC)", what);
  struct stat st {};
  if (::fstat(own, &st) != 0) {
    Status s = sys_error("fstat", what);
    ::close(own);
    return s;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (Status s = check_size(size, what); !s.ok()) {
    ::close(own);
    return s;
  }
  auto base = map(own, size, what);
  if (!base) {
    ::close(own);
    return base.status();
  }
  return SharedMemory(own, *base, size);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      base_(std::exchange(other.base_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedMemory::~SharedMemory() { release(); }

void SharedMemory::release() noexcept {
  if (base_ != nullptr) ::munmap(base_, size_);
  if (fd_ >= 0) ::close(fd_);
  base_ = nullptr;
  fd_ = -1;
  size_ = 0;
}

ShmBar::ShmBar(std::shared_ptr<const SharedMemory> memory) noexcept
    : memory_(std::move(memory)), base_(memory_->words().data()), size_(memory_->size()) {}

std::uint32_t ShmBar::read32(std::size_t offset) const noexcept {
  if (offset >= size_ || offset % 4 != 0) return 0xffffffffu;
  // Acquire: a later read (a seqlock's second generation read) cannot move before this one.
  return std::atomic_ref<std::uint32_t>(base_[offset / 4]).load(std::memory_order_acquire);
}

void ShmBar::write32(std::size_t offset, std::uint32_t value) noexcept {
  if (offset >= size_ || offset % 4 != 0) return;
  // Release: the device sees the argument words before the doorbell written after them.
  std::atomic_ref<std::uint32_t>(base_[offset / 4]).store(value, std::memory_order_release);
}

std::chrono::nanoseconds ShmBar::now() const noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

void ShmBar::wait(std::chrono::nanoseconds duration) noexcept {
  if (duration.count() <= 0) {
    std::this_thread::yield();
    return;
  }
  std::this_thread::sleep_for(duration);
}

}  // namespace cpo::shm
