// The memfd shared-memory Bar: two mappings (and two processes) see the same registers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "cpo/drivers/shm/shm_bar.h"

namespace cpo::shm {
namespace {

using ::testing::HasSubstr;

TEST(SharedMemory, CreateRefusesSizesThatAreNotWholeRegisters) {
  auto zero = SharedMemory::create("t", 0);
  EXPECT_EQ(zero.status().code(), Code::invalid_argument);
  EXPECT_THAT(zero.status().message(), HasSubstr("shared memory 't': size 0 bytes (must be a positive multiple of 4)"));
  EXPECT_EQ(SharedMemory::create("t", 6).status().code(), Code::invalid_argument);
}

TEST(SharedMemory, AttachRefusesABadFd) {
  auto bad = SharedMemory::attach(-1);
  EXPECT_EQ(bad.status().code(), Code::io_error);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("shared memory fd -1: fcntl(F_DUPFD_CLOEXEC) failed: Bad file descriptor"));
}

TEST(ShmBar, TwoMappingsOfOneMemfdShareRegisters) {
  auto mem = SharedMemory::create("cposdk-test", 4096);
  ASSERT_TRUE(mem.ok()) << mem.status().to_string();
  auto other = SharedMemory::attach(mem->fd());
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  EXPECT_EQ(other->size(), 4096u);
  EXPECT_NE(other->words().data(), mem->words().data());  // a second mapping, not an alias
  ShmBar a(std::make_shared<SharedMemory>(std::move(*mem)));
  ShmBar b(std::make_shared<SharedMemory>(std::move(*other)));
  a.write32(0x40, 0xcafef00d);
  EXPECT_EQ(b.read32(0x40), 0xcafef00du);
  b.write32(0xffc, 7);
  EXPECT_EQ(a.read32(0xffc), 7u);
  EXPECT_EQ(a.size(), 4096u);
}

TEST(ShmBar, OutsideTheWindowReadsAllOnesAndWritesAreDropped) {
  auto mem = SharedMemory::create("w", 64);
  ASSERT_TRUE(mem.ok());
  ShmBar bar(std::make_shared<SharedMemory>(std::move(*mem)));
  EXPECT_EQ(bar.read32(64), 0xffffffffu);
  EXPECT_EQ(bar.read32(2), 0xffffffffu);
  bar.write32(64, 1);
  EXPECT_EQ(bar.read32(60), 0u);
}

TEST(ShmBar, TimeIsTheHostsSteadyClock) {
  auto mem = SharedMemory::create("c", 4);
  ASSERT_TRUE(mem.ok());
  ShmBar bar(std::make_shared<SharedMemory>(std::move(*mem)));
  const auto t0 = bar.now();
  bar.wait(std::chrono::microseconds(200));
  EXPECT_GE(bar.now() - t0, std::chrono::microseconds(200));
}

TEST(ShmBar, AnotherProcessSeesTheSameRegisters) {
  auto mem = SharedMemory::create("fork", 4096);
  ASSERT_TRUE(mem.ok());
  auto shared = std::make_shared<SharedMemory>(std::move(*mem));
  ShmBar bar(shared);
  bar.write32(0, 41);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child attaches its own mapping from the inherited fd, as cpo-simd's clients do.
    auto mine = SharedMemory::attach(shared->fd());
    if (!mine.ok()) ::_exit(2);
    ShmBar b(std::make_shared<SharedMemory>(std::move(*mine)));
    b.write32(4, b.read32(0) + 1);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(bar.read32(4), 42u);
}

}  // namespace
}  // namespace cpo::shm
