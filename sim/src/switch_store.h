// The switches of a fabric, shared by its worlds (world_set.h): an index names a switch for
// the fabric's whole life, whichever world runs it. Storage in fixed chunks, so adding a
// switch never moves another one and threads of other worlds read theirs without a lock.
// Private to cposdk_sim.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

namespace cpo::sim {

struct SwitchModel;

class SwitchStore {
 public:
  static constexpr std::size_t kChunkBits = 10;
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;
  static constexpr std::size_t kChunks = 4096;  // 4,194,304 switches
  static constexpr std::size_t kCapacity = kChunk * kChunks;

  SwitchStore();
  ~SwitchStore();
  SwitchStore(const SwitchStore&) = delete;
  SwitchStore& operator=(const SwitchStore&) = delete;

  // The index the next add() gives; adds are serialised by the caller (WorldSet::add_switch).
  [[nodiscard]] std::size_t next_index() const noexcept { return size_.load(std::memory_order_acquire); }
  [[nodiscard]] std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
  // Precondition: next_index() < kCapacity (WorldSet refuses more).
  void add(std::unique_ptr<SwitchModel> s);
  // Precondition: i < size(), and the caller learnt i after the add (a lock or the fabric's
  // own bookkeeping orders it after the store).
  [[nodiscard]] SwitchModel& at(std::size_t i) const noexcept { return *chunks_[i >> kChunkBits][i & (kChunk - 1)]; }

 private:
  std::array<std::unique_ptr<std::unique_ptr<SwitchModel>[]>, kChunks> chunks_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace cpo::sim
