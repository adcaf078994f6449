// Topology files and fabrics of many switches: both ends of a fiber follow the optics of both
// sides, a refused document adds nothing, and settling touches only what a command changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "cpo/sim/simulator.h"
#include "mailbox.h"

namespace cpo::testing {
namespace {

using ::testing::HasSubstr;
using C = rd::Completion;
using sim::Fabric;

constexpr const char* kPair = R"({"cposdk_topology": 1,
  "switches": [{"name": "a", "profile": "cpo144", "seed": 11}, {"name": "b", "seed": 12}],
  "links": [["a", 0, "b", 5], ["a", 1, "b", 6, 3.0]]})";

// Ports are unit-local in the register window: the unit of a switch-wide port and its index there.
std::pair<std::size_t, std::uint32_t> unit_port(const sim::Switch& sw, std::uint32_t port) {
  const Platform& pf = sw.platform();
  const UnitId unit = pf.ports()[port].unit;
  const auto ports = pf.ports_of(unit).value();
  for (std::uint32_t i = 0; i < ports.size(); ++i)
    if (ports[i].value() == port) return {unit.value(), i};
  return {0, 0};
}

void admin_up(sim::Switch& sw, std::uint32_t port) {
  const auto [unit, local] = unit_port(sw, port);
  Mailbox mb(sw.bar(unit));
  ASSERT_EQ(mb.run(rd::Opcode::kPortAdmin, {local, rd::kAllSubports, 1}).code, C::kOk);
}

std::uint32_t port_field(sim::Switch& sw, std::uint32_t port, std::size_t field) {
  const auto [unit, local] = unit_port(sw, port);
  return Mailbox(sw.bar(unit)).port(local, field);
}

// The laser lighting a port's first lane.
LaserRef laser_of(const Platform& pf, std::uint32_t port) {
  return pf.lanes()[pf.ports()[port].lanes[0].value()].laser;
}

TEST(SimTopology, ALaserFailureTakesTheNeighboursLinkDown) {
  Fabric fabric;
  ASSERT_TRUE(fabric.load_topology_text(kPair).ok());
  ASSERT_EQ(fabric.size(), 2u);
  sim::Switch* a = fabric.find("a");
  sim::Switch* b = fabric.find("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(fabric.find("c"), nullptr);
  EXPECT_EQ(&fabric.at(1), b);
  admin_up(*a, 0);
  admin_up(*b, 5);
  fabric.advance(3s);
  Mailbox ma(a->bar(0)), mbb(b->bar(0));  // ports 0..35 are unit 0's
  ASSERT_EQ(ma.port(0, rd::field::kPortOperMask), 1u);
  ASSERT_EQ(mbb.port(5, rd::field::kPortOperMask), 1u);
  // The laser lighting a's port 0 dies: a's link is down for its laser, b's for lost light.
  const Platform& pf = a->platform();
  const LaserRef laser = laser_of(pf, 0);
  ASSERT_TRUE(a->backdoor().fail_laser(laser).ok());
  fabric.advance(200ms);
  EXPECT_EQ(ma.port(0, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(ma.port(0, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kLaserFault));
  EXPECT_EQ(mbb.port(5, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(mbb.port(5, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kRxLos));
  // The fiber of the second link carries its loss: b's receiver sees a's launch minus 3 dB.
  const double rx = mbb.lane(pf.ports()[6].lanes[0].value(), rd::field::kLaneRxPower);
  const double tx = ma.lane(pf.ports()[1].lanes[0].value(), rd::field::kLaneTxPower);
  ASSERT_GT(rx, 0.0);
  EXPECT_NEAR(10.0 * std::log10(tx / rx), 3.0, 0.05);
}

TEST(SimTopology, ARefusedDocumentAddsNothingAndNamesTheEntry) {
  struct Case {
    const char* doc;
    const char* message;
  };
  const Case cases[] = {
      {"{", "not valid JSON"},
      {R"({"switches": []})", "cposdk_topology: must be 1"},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a"}, {"name": "a"}]})", "switches[1].name: duplicate name 'a'"},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a"}], "links": [["a", 0, "z", 0]]})",
       "links[0]: unknown switch \"z\""},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a"}, {"name": "b"}], "links": [["a", 0, "b", 0], ["a", 0, "b", 1]]})",
       "links[1]: a port 0 is cabled twice"},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a"}, {"name": "b"}], "links": [["a", 144, "b", 0]]})",
       "links[0]: a port 144: allowed 0..143"},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a", "profile": "nosuch"}]})", "switches[0]"},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a", "start": "warm"}]})", "switches[0].start"},
      {R"({"cposdk_topology": 1, "switches": [{"name": "a"}], "links": [["a", 0, "a"]]})", "links[0]: must be"},
  };
  for (const auto& c : cases) {
    Fabric fabric;
    const Status st = fabric.load_topology_text(c.doc, "t.json");
    EXPECT_FALSE(st.ok()) << c.doc;
    EXPECT_THAT(st.message(), HasSubstr(c.message)) << c.doc;
    EXPECT_THAT(st.message(), HasSubstr("t.json")) << c.doc;
    EXPECT_EQ(fabric.size(), 0u) << c.doc;
  }
  // Problems with the file itself: one code, as for every input file (cpo/hal/input_file.h),
  // refused at once without reading (a directory, /dev/zero).
  Fabric fabric;
  for (const char* path : {"/nonexistent/topology.json", "/", "/dev/zero"}) {
    const Status st = fabric.load_topology(path);
    EXPECT_EQ(st.code(), Code::invalid_argument) << path;
    EXPECT_THAT(st.message(), HasSubstr("topology file")) << path;
  }
  EXPECT_EQ(fabric.size(), 0u);
}

TEST(SimTopology, TheGeneratorScriptWritesALoadableThreeTierFabric) {
  const std::string out = ::testing::TempDir() + "/fabric.json";
  const std::string cmd =
      std::string(CPOSDK_SOURCE_DIR) + "/scripts/gen-topology --pods 2 --leaves 4 --cores 4 -o " + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Fabric fabric;
  const Status st = fabric.load_topology(out);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(fabric.size(), 2u * (4 + 4) + 4);
  // Leaf 0 of pod 1, uplink to spine 2 (port 72 + 2), reaches spine 2's port 0.
  sim::Switch* leaf = fabric.find("pod1-leaf0");
  sim::Switch* spine = fabric.find("pod1-spine2");
  ASSERT_NE(leaf, nullptr);
  ASSERT_NE(spine, nullptr);
  admin_up(*leaf, 74);
  admin_up(*spine, 0);
  fabric.advance(3s);
  EXPECT_EQ(port_field(*leaf, 74, rd::field::kPortOperMask), 1u);
  EXPECT_EQ(port_field(*spine, 0, rd::field::kPortOperMask), 1u);
  // Its neighbour port stays down: the far end (spine 3) is admin down.
  admin_up(*leaf, 75);
  fabric.advance(3s);
  EXPECT_EQ(port_field(*leaf, 75, rd::field::kPortOperMask), 0u);
}

// Commands on different switches of one fabric run in parallel (the fabric's worker threads
// take the per-switch work of each virtual instant). Four threads each drive their own switch
// of a ring of four through its mailbox: admin up, a breakout, admin down, and one laser
// failure through the back door each. Rounds keep the virtual timeline the same whatever the
// threads' interleaving (every doorbell of a round rung before any thread waits, each thread's
// wait moving the clock by kWait), so the result must equal the same rounds run on one thread with no workers, byte
// for byte over every unit's whole window.
struct RingRun {
  std::vector<std::vector<std::uint32_t>> windows;  // per switch and unit, every word
  std::vector<std::uint32_t> oper8, cause8, oper9;  // port 8 (failing lasers) and 9, per switch
  std::vector<std::string> failures;
};

RingRun run_ring(std::size_t workers, bool threads) {
  constexpr std::size_t kSwitches = 4;
  Fabric fabric(sim::ClockMode::virtual_time, workers);
  std::vector<sim::Switch*> sws;
  for (std::size_t i = 0; i < kSwitches; ++i) {
    sim::SimOptions o;
    o.seed = 31 + i;
    auto s = fabric.add(o);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    if (!s.ok()) return {};
    sws.push_back(*s);
  }
  // A ring: i's port 8 to i+1's port 8 for even i, i's port 9 to i+1's port 9 for odd i.
  for (std::size_t i = 0; i < kSwitches; ++i) {
    const cpo::PortId p(i % 2 == 0 ? 8 : 9);
    EXPECT_TRUE(fabric.connect(*sws[i], p, *sws[(i + 1) % kSwitches], p).ok());
  }
  struct Op {
    rd::Opcode op;
    std::vector<std::uint32_t> args;
  };
  const std::vector<Op> script = {{rd::Opcode::kPortAdmin, {8, rd::kAllSubports, 1}},
                                  {rd::Opcode::kPortAdmin, {9, rd::kAllSubports, 1}},
                                  {rd::Opcode::kPortAdmin, {0, rd::kAllSubports, 1}},
                                  {rd::Opcode::kBreakout, {20, 2, 2}},
                                  {rd::Opcode::kPortAdmin, {20, rd::kAllSubports, 1}},
                                  {rd::Opcode::kPortAdmin, {21, 1, 1}},
                                  {rd::Opcode::kPortAdmin, {0, rd::kAllSubports, 0}},
                                  {rd::Opcode::kPortAdmin, {1, rd::kAllSubports, 1}},
                                  {rd::Opcode::kNop, {}},
                                  {rd::Opcode::kNop, {}}};
  // Switch i's laser of port 8 fails in round 5 + i: one back-door call per round, so their
  // order is the program's, not the threads'.
  const cpo::Platform& pf = sws[0]->platform();
  const LaserRef laser8 = laser_of(pf, 8);
  constexpr auto kWait = 60ms;  // longer than any command of the script (Breakout: 50 ms)
  // Waits of threads overlap in virtual time as far as their batches do, so a round ends at a
  // fixed time of its own (after the sequential run's four waits), the same in both runs.
  constexpr auto kRound = 250ms;
  const auto start = fabric.now();
  auto end_round = [&](std::size_t round) {
    fabric.advance(start + kRound * static_cast<int>(round + 1) - fabric.now());
  };
  RingRun r;
  r.failures.resize(kSwitches);
  std::vector<Mailbox> mbs;
  for (auto* s : sws) mbs.emplace_back(s->bar(0));
  std::vector<std::uint32_t> tags(kSwitches);
  auto ring = [&](std::size_t i, std::size_t round) {
    if (round == 5 + i && !sws[i]->backdoor().fail_laser(laser8).ok()) r.failures[i] += "fail_laser; ";
    tags[i] = mbs[i].ring(script[round].op, script[round].args);
  };
  auto check = [&](std::size_t i, std::size_t round) {
    if (sws[i]->bar(0).read32(rd::reg::kMbxCompTag) != tags[i] ||
        sws[i]->bar(0).read32(rd::reg::kMbxCompCode) != static_cast<std::uint32_t>(C::kOk))
      r.failures[i] += "round " + std::to_string(round) + "; ";
  };
  if (threads) {
    std::barrier rung(static_cast<std::ptrdiff_t>(kSwitches)), waited(static_cast<std::ptrdiff_t>(kSwitches)),
        ended(static_cast<std::ptrdiff_t>(kSwitches));
    std::vector<std::thread> ts;
    for (std::size_t i = 0; i < kSwitches; ++i)
      ts.emplace_back([&, i] {
        for (std::size_t round = 0; round < script.size(); ++round) {
          ring(i, round);
          rung.arrive_and_wait();
          sws[i]->bar(0).wait(kWait);
          waited.arrive_and_wait();
          if (i == 0) end_round(round);
          ended.arrive_and_wait();
          check(i, round);
        }
      });
    for (auto& t : ts) t.join();
  } else {
    for (std::size_t round = 0; round < script.size(); ++round) {
      for (std::size_t i = 0; i < kSwitches; ++i) ring(i, round);
      for (std::size_t i = 0; i < kSwitches; ++i) sws[i]->bar(0).wait(kWait);
      end_round(round);
      for (std::size_t i = 0; i < kSwitches; ++i) check(i, round);
    }
  }
  fabric.advance(3s);  // training, ticks
  for (auto* s : sws) {
    Mailbox mb(s->bar(0));
    r.oper8.push_back(mb.port(8, rd::field::kPortOperMask));
    r.cause8.push_back(mb.port(8, rd::field::kPortDownCause));
    r.oper9.push_back(mb.port(9, rd::field::kPortOperMask));
    for (std::size_t u = 0; u < s->unit_count(); ++u) {
      std::vector<std::uint32_t> words(rd::kWindowBytes / 4);
      for (std::size_t w = 0; w < words.size(); ++w) words[w] = s->bar(u).read32(4 * w);
      r.windows.push_back(std::move(words));
    }
  }
  return r;
}

TEST(SimFabricParallel, FourThreadsOnFourSwitchesEndInTheSequentialState) {
  const RingRun seq = run_ring(0, false);
  const RingRun par = run_ring(3, true);
  ASSERT_EQ(seq.windows.size(), 16u);
  ASSERT_EQ(par.windows.size(), seq.windows.size());
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seq.failures[i], "") << "switch " << i;
    EXPECT_EQ(par.failures[i], "") << "switch " << i;
  }
  for (std::size_t w = 0; w < seq.windows.size(); ++w) {
    std::size_t differ = 0, first = 0;
    for (std::size_t k = 0; k < seq.windows[w].size(); ++k)
      if (seq.windows[w][k] != par.windows[w][k] && differ++ == 0) first = k;
    EXPECT_EQ(differ, 0u) << "switch " << w / 4 << " unit " << w % 4 << ": first at offset 0x" << std::hex << 4 * first;
  }
  // Across fibers: the even switch's laser fails first, so its link of port 8 is down for the
  // laser and the odd neighbour's for lost light; the ports 9 in between stay up.
  const auto laser = static_cast<std::uint32_t>(rd::LinkCause::kLaserFault);
  const auto los = static_cast<std::uint32_t>(rd::LinkCause::kRxLos);
  EXPECT_EQ(par.oper8, (std::vector<std::uint32_t>{0, 0, 0, 0}));
  EXPECT_EQ(par.cause8, (std::vector<std::uint32_t>{laser, los, laser, los}));
  EXPECT_EQ(par.oper9, (std::vector<std::uint32_t>{1, 1, 1, 1}));
}

// Worlds: switches no fiber joins run on their own clocks and locks, so a thread waiting on
// one never runs another's timers; a fiber between two worlds brings them to one clock first.
// `n` switches with seeds first_seed, first_seed + 1, ...
std::vector<sim::Switch*> add_switches(Fabric& fabric, std::size_t n, std::uint64_t first_seed) {
  std::vector<sim::Switch*> s;
  for (std::size_t i = 0; i < n; ++i) {
    sim::SimOptions o;
    o.seed = first_seed + i;
    auto r = fabric.add(o);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    if (!r.ok()) return {};
    s.push_back(*r);
  }
  return s;
}

// A thread per switch of `on`, each toggling port 8 `commands` times (down first); ok[k]
// counts the completions of thread k that came back kOk.
std::vector<std::thread> toggle_port8(const std::vector<sim::Switch*>& on, int commands, std::vector<int>& ok) {
  ok.assign(on.size(), 0);
  std::vector<std::thread> ts;
  for (std::size_t k = 0; k < on.size(); ++k)
    ts.emplace_back([&on, &ok, commands, k] {
      Mailbox mb(on[k]->bar(0));
      for (int i = 0; i < commands; ++i)
        if (mb.run(rd::Opcode::kPortAdmin, {8, rd::kAllSubports, static_cast<std::uint32_t>(i % 2)}).code == C::kOk)
          ++ok[k];
    });
  return ts;
}

// A far receiver hears its transmitter's FIR taps (its SNR) and PRBS generator (its checker's
// lock) as soon as they change, not only its light: a port's command settles the far lanes
// of its fibers.
TEST(SimTopology, AFarReceiverFollowsItsTransmittersTapsAndPrbsGenerator) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = add_switches(fabric, 2, 21);
  ASSERT_EQ(s.size(), 2u);
  ASSERT_TRUE(fabric.connect(*s[0], cpo::PortId(8), *s[1], cpo::PortId(8)).ok());
  fabric.advance(1s);
  Mailbox a(s[0]->bar(0)), b(s[1]->bar(0));
  constexpr std::uint32_t kLane = 32;  // port 8's first lane
  const auto snr = [&] { return static_cast<std::int32_t>(b.lane(kLane, rd::field::kLaneSnr)); };
  const std::int32_t before = snr();
  // Taps 0/40/0: 23 steps from the optimum (-4/52/-7), 3.45 dB at 0.15 dB per step.
  ASSERT_EQ(a.run(rd::Opcode::kTxFir, {kLane, 0, 40, 0}).code, C::kOk);
  EXPECT_NEAR(before - snr(), 345, 2) << "SNR in 0.01 dB: " << before << " then " << snr();
  const auto pattern = static_cast<std::uint32_t>(rd::PrbsPattern::kPrbs31Q);
  const std::uint32_t lock = rd::bits::kLaneFlagsPrbsLock.mask();
  ASSERT_EQ(b.run(rd::Opcode::kPrbs, {kLane, pattern, 2}).code, C::kOk);  // checker
  EXPECT_EQ(b.lane(kLane, rd::field::kLaneFlags) & lock, 0u) << "nothing to lock on yet";
  ASSERT_EQ(a.run(rd::Opcode::kPrbs, {kLane, pattern, 1}).code, C::kOk);  // generator
  EXPECT_NE(b.lane(kLane, rd::field::kLaneFlags) & lock, 0u);
  ASSERT_EQ(a.run(rd::Opcode::kPrbs, {kLane, 0, 0}).code, C::kOk);
  EXPECT_EQ(b.lane(kLane, rd::field::kLaneFlags) & lock, 0u) << "the generator stopped";
}

TEST(SimFabricWorlds, AWaitRunsOnlyTheSwitchesFibersJoin) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = add_switches(fabric, 3, 41);
  ASSERT_EQ(s.size(), 3u);
  ASSERT_TRUE(fabric.connect(*s[0], cpo::PortId(4), *s[1], cpo::PortId(4)).ok());
  Mailbox m2(s[2]->bar(0));
  const std::uint32_t tag = m2.ring(rd::Opcode::kNop, {});
  s[0]->bar(0).wait(5ms);
  EXPECT_EQ(s[0]->now(), 5ms);
  EXPECT_EQ(s[1]->now(), 5ms);  // one world with s[0]
  EXPECT_EQ(s[2]->now(), 0ms);  // its own: nothing of it ran
  EXPECT_NE(s[2]->bar(0).read32(rd::reg::kMbxCompTag), tag);
  EXPECT_EQ(fabric.now(), 5ms);
  s[2]->bar(0).wait(1ms);
  EXPECT_EQ(s[2]->bar(0).read32(rd::reg::kMbxCompTag), tag);
  EXPECT_EQ(s[2]->now(), 1ms);
  EXPECT_EQ(s[0]->now(), 5ms);
  // The fabric's advance brings every world to its latest clock plus the step.
  fabric.advance(10ms);
  for (auto* x : s) EXPECT_EQ(x->now(), 15ms);
  EXPECT_EQ(fabric.now(), 15ms);
}

TEST(SimFabricWorlds, AFiberBetweenTwoWorldsRunsTheEarlierUpToTheLaterFirst) {
  Fabric fabric;
  sim::SimOptions o;
  o.seed = 51;
  auto a = fabric.add(o);
  o.seed = 52;
  auto b = fabric.add(o);
  ASSERT_TRUE(a.ok() && b.ok());
  (*a)->bar(0).wait(300ms);
  // b's command is rung on b's clock (0 ms) and served as b catches up with a.
  Mailbox mb((*b)->bar(0));
  const std::uint32_t tag = mb.ring(rd::Opcode::kPortAdmin, {4, rd::kAllSubports, 1});
  admin_up(**a, 4);
  ASSERT_TRUE(fabric.connect(**a, cpo::PortId(4), **b, cpo::PortId(4)).ok());
  EXPECT_EQ((*b)->bar(0).read32(rd::reg::kMbxCompTag), tag);
  EXPECT_EQ((*b)->bar(0).read32(rd::reg::kMbxCompCode), static_cast<std::uint32_t>(C::kOk));
  EXPECT_EQ((*a)->now(), (*b)->now());
  // One world now: a wait on either moves both, and the link trains across the new fiber.
  (*b)->bar(0).wait(3s);
  EXPECT_EQ((*a)->now(), (*b)->now());
  EXPECT_EQ(port_field(**a, 4, rd::field::kPortOperMask), 1u);
  EXPECT_EQ(port_field(**b, 4, rd::field::kPortOperMask), 1u);
  // Refused fibers merge nothing.
  o.seed = 53;
  auto c = fabric.add(o);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(fabric.connect(**a, cpo::PortId(200), **c, cpo::PortId(0)).code(), Code::out_of_range);
  (*c)->bar(0).wait(1ms);
  EXPECT_NE((*c)->now(), (*a)->now());
}

// Threads command their own switches while the main thread cables them into one world: every
// command completes once, whichever world serves it (rings sent to a world merged away are
// passed on, and waits retake the lock of the world that took the switch).
TEST(SimFabricWorlds, ThreadsKeepCommandingWhileFibersMergeTheirWorlds) {
  Fabric fabric;
  constexpr std::size_t kSwitches = 4;
  const std::vector<sim::Switch*> s = add_switches(fabric, kSwitches, 61);
  ASSERT_EQ(s.size(), kSwitches);
  constexpr int kCommands = 300;
  std::vector<int> ok(kSwitches, 0);
  std::vector<std::thread> ts;
  for (std::size_t i = 0; i < kSwitches; ++i)
    ts.emplace_back([&, i] {
      Mailbox mb(s[i]->bar(0));
      for (int k = 0; k < kCommands; ++k)
        if (mb.run(rd::Opcode::kPortAdmin, {static_cast<std::uint32_t>(k % 8), rd::kAllSubports, 1}).code == C::kOk)
          ++ok[i];
    });
  for (std::uint32_t p = 10; p < 40; ++p) {
    EXPECT_TRUE(fabric.connect(*s[0], cpo::PortId(p), *s[1], cpo::PortId(p)).ok());
    EXPECT_TRUE(fabric.connect(*s[2], cpo::PortId(p), *s[3], cpo::PortId(p)).ok());
    EXPECT_TRUE(fabric.connect(*s[1], cpo::PortId(p + 40), *s[2], cpo::PortId(p + 40)).ok());
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok, std::vector<int>(kSwitches, kCommands));
  s[3]->bar(0).wait(1ms);
  for (auto* x : s) EXPECT_EQ(x->now(), s[3]->now());
}

// One world, commands far apart in its fibers: four threads toggle the port facing the next
// switch on switches 0, 4, 8 and 12 of a ring of 16 (four fibers apart: their instants run
// beside each other), and end where the same commands in one thread end.
struct RingLinks {
  std::vector<std::uint32_t> fields;  // per port listed: oper, cause, downs, ups
  int completed = 0;
  void add(sim::Switch& sw, std::uint32_t port) {
    for (std::size_t f : {rd::field::kPortOperMask, rd::field::kPortDownCause, rd::field::kPortLinkDownCount,
                          rd::field::kPortLinkUpCount})
      fields.push_back(port_field(sw, port, f));
  }
};

// PortAdmin toggles: toggle(d, k) for k < toggles and every d of `drivers`, on a thread per
// driver or interleaved on this thread; the toggle returns whether the command came back kOk.
template <typename F>
int run_toggles(bool threads, const std::vector<std::size_t>& drivers, int toggles, F&& toggle) {
  std::atomic<int> completed{0};
  auto one = [&](std::size_t d, int k) {
    if (toggle(d, k)) ++completed;
  };
  if (threads) {
    std::vector<std::thread> ts;
    for (const std::size_t d : drivers)
      ts.emplace_back([&, d] {
        for (int k = 0; k < toggles; ++k) one(d, k);
      });
    for (auto& t : ts) t.join();
  } else {
    for (int k = 0; k < toggles; ++k)
      for (const std::size_t d : drivers) one(d, k);
  }
  return completed.load();
}
// Toggle k of a port: down, up, ..., the last (odd) one leaves it up.
std::uint32_t toggled_admin(int k) { return k % 2 == 0 ? 0u : 1u; }

// Threads end as one thread does: every command completed, the same link fields.
void expect_same_end(const RingLinks& seq, const RingLinks& par, int commands, std::size_t fields) {
  EXPECT_EQ(seq.completed, commands);
  EXPECT_EQ(par.completed, commands);
  ASSERT_EQ(seq.fields.size(), fields);
  EXPECT_EQ(par.fields, seq.fields);
}

// `n` switches in a ring, port 8 of each to port 9 of the next, both admin up and trained.
std::vector<sim::Switch*> cabled_ring(Fabric& fabric, std::size_t n, std::uint64_t first_seed) {
  const std::vector<sim::Switch*> s = add_switches(fabric, n, first_seed);
  if (s.size() != n) return {};
  for (std::size_t i = 0; i < n; ++i)
    EXPECT_TRUE(fabric.connect(*s[i], cpo::PortId(8), *s[(i + 1) % n], cpo::PortId(9)).ok());
  for (auto* x : s) {
    admin_up(*x, 8);
    admin_up(*x, 9);
  }
  fabric.advance(2s);
  return s;
}

RingLinks run_far_apart(bool threads) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = cabled_ring(fabric, 16, 71);
  if (s.size() != 16) return {};
  RingLinks r;
  r.completed = run_toggles(threads, {0, 4, 8, 12}, 150, [&](std::size_t i, int k) {
    return Mailbox(s[i]->bar(0)).run(rd::Opcode::kPortAdmin, {8, rd::kAllSubports, toggled_admin(k)}).code == C::kOk;
  });
  fabric.advance(3s);
  for (auto* x : s)
    for (std::uint32_t p : {8u, 9u}) r.add(*x, p);
  return r;
}

TEST(SimFabricWorlds, ThreadsOnFarApartSwitchesOfOneWorldEndAsOneThreadDoes) {
  const RingLinks seq = run_far_apart(false);
  const RingLinks par = run_far_apart(true);
  expect_same_end(seq, par, 4 * 150, 16u * 2 * 4);
  // Every link is up again, and each toggled one went down once (its first toggle): training
  // (1 s) never completed between toggles.
  for (std::size_t sw = 0; sw < 16; ++sw) {
    EXPECT_EQ(seq.fields[sw * 8 + 0], 1u) << "switch " << sw << " port 8";
    EXPECT_EQ(seq.fields[sw * 8 + 4], 1u) << "switch " << sw << " port 9";
    EXPECT_EQ(seq.fields[sw * 8 + 2], sw % 4 == 0 ? 1u : 0u) << "switch " << sw << " port 8 downs";
  }
}

// Units of one switch: each unit of cpo144 is a node, so threads commanding different units
// run beside each other as threads on far-apart switches do, unless a fiber joins them
// (local port 1 of unit a to that of unit b). Units 0 and 1 share ELS 4 (its lasers light
// ports 32..39): every third command of unit 0 turns laser 5 (port 37, unit 1's port 1) off or
// on through ELS 4's page 1Ah, and of unit 1 reads that page (clearing its latched flags), so
// those batches reserve both units. Either way the ports end as one thread leaves them.
RingLinks run_units(bool threads, std::uint32_t a, std::uint32_t b) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = add_switches(fabric, 1, 31);
  if (s.size() != 1) return {};
  sim::Switch& sw = *s[0];
  const std::size_t units = sw.unit_count();
  const auto per = static_cast<std::uint32_t>(sw.platform().ports().size() / units);
  EXPECT_TRUE(fabric.connect(sw, cpo::PortId(a * per + 1), sw, cpo::PortId(b * per + 1)).ok());
  for (std::uint32_t u = 0; u < units; ++u) {
    admin_up(sw, u * per);
    admin_up(sw, u * per + 1);
  }
  fabric.advance(2s);
  std::vector<std::size_t> all(units);
  for (std::size_t u = 0; u < units; ++u) all[u] = u;
  RingLinks r;
  r.completed = run_toggles(threads, all, 150, [&](std::size_t u, int k) {
    Mailbox mb(sw.bar(u));
    if (k % 3 == 1 && u == 0) {
      // Page 1Ah byte 220, LaneEnable: laser 5 off, then on (the last write, k = 148).
      const auto enable = static_cast<std::uint8_t>((k / 3) % 2 == 0 ? 0xDF : 0xFF);
      return mb.cmis_write(rd::CmisTarget::kEls, 4, 0, 0x1A, true, 220 - 128, {enable}).code == C::kOk;
    }
    if (k % 3 == 1 && u == 1) {
      std::array<std::uint8_t, 128> page{};
      return mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1A, true, page).code == C::kOk;  // ELS 4, unit-local 0
    }
    return mb.run(rd::Opcode::kPortAdmin, {0, rd::kAllSubports, toggled_admin(k)}).code == C::kOk;
  });
  fabric.advance(3s);
  for (std::uint32_t u = 0; u < units; ++u)
    for (std::uint32_t p : {u * per, u * per + 1}) r.add(sw, p);
  return r;
}

TEST(SimFabricWorlds, ThreadsOnUnitsOfOneSwitchEndAsOneThreadDoes) {
  // Port 37 (laser 5 of ELS 4) fibered to port 1, then to port 73.
  for (const auto& [a, b] : {std::pair{0u, 1u}, std::pair{1u, 2u}}) {
    SCOPED_TRACE(::testing::Message() << "fiber between units " << a << " and " << b);
    const RingLinks seq = run_units(false, a, b);
    const RingLinks par = run_units(true, a, b);
    expect_same_end(seq, par, 4 * 150, 4u * 2 * 4);
    for (std::size_t u = 0; u < 4; ++u) {
      EXPECT_EQ(seq.fields[u * 8 + 0], 1u) << "unit " << u << " toggled port";
      EXPECT_EQ(seq.fields[u * 8 + 2], 1u) << "unit " << u << " toggled port downs";
      // The fibered ports 1 link to each other; the others hear their loopback plugs.
      EXPECT_EQ(seq.fields[u * 8 + 4], 1u) << "unit " << u << " port 1";
    }
    // Port 37 went down once, for its laser (unit 0's writes to the shared ELS), and is up again.
    EXPECT_EQ(seq.fields[1 * 8 + 5], static_cast<std::uint32_t>(rd::LinkCause::kLaserFault));
    EXPECT_EQ(seq.fields[1 * 8 + 6], 1u);
  }
}

// An ELS two units share: a write through unit 0's mailbox that turns off the laser of unit
// 1's port 37 settles unit 1 in the same instant (the command's completion already sees the
// link down), not at the next firmware tick.
TEST(SimFabricWorlds, AWriteToAnElsTwoUnitsShareSettlesBothUnitsAtOnce) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = add_switches(fabric, 1, 41);
  ASSERT_EQ(s.size(), 1u);
  sim::Switch& sw = *s[0];
  admin_up(sw, 35);
  admin_up(sw, 37);
  fabric.advance(2s);
  ASSERT_EQ(port_field(sw, 37, rd::field::kPortOperMask), 1u);
  // Page 1Ah byte 220 (LaneEnable) of ELS 4, unit 0's local ELS 4: every laser but 5.
  Mailbox mb(sw.bar(0));
  const auto heartbeat = Mailbox(sw.bar(1)).status(rd::reg::kHeartbeat);
  ASSERT_EQ(mb.cmis_write(rd::CmisTarget::kEls, 4, 0, 0x1A, true, 220 - 128, {0xDF}).code, C::kOk);
  EXPECT_EQ(port_field(sw, 37, rd::field::kPortOperMask), 0u);
  EXPECT_EQ(port_field(sw, 37, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kLaserFault));
  EXPECT_EQ(port_field(sw, 35, rd::field::kPortOperMask), 1u) << "laser 3 (unit 0's port 35) stays on";
  EXPECT_EQ(Mailbox(sw.bar(1)).status(rd::reg::kHeartbeat), heartbeat) << "no firmware tick in between";
}

// A pod of a Clos fabric (gen-topology's cabling): leaves 0..3, spines 4 and 5, leaf l's port
// 72 + s to spine s's port l. A leaf's GPU-facing ports (0..71: units 0 and 1) are nodes
// with no fiber, so threads on different leaves' GPU ports run beside each other although the
// leaves share spines. Thread 0 also toggles its uplink 72 (unit 2, to spine 0) and thread 1
// its uplink 73 (to spine 1): the two uplink units share both spines' unit 0 through their
// other fibers, but each command writes only its own fiber's far end.
RingLinks run_pod(bool threads) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = add_switches(fabric, 6, 51);
  if (s.size() != 6) return {};
  for (std::uint32_t l = 0; l < 4; ++l)
    for (std::uint32_t sp = 0; sp < 2; ++sp) {
      EXPECT_TRUE(fabric.connect(*s[l], cpo::PortId(72 + sp), *s[4 + sp], cpo::PortId(l)).ok());
      admin_up(*s[l], 72 + sp);
      admin_up(*s[4 + sp], l);
    }
  for (std::uint32_t l = 0; l < 4; ++l) admin_up(*s[l], 0);
  fabric.advance(2s);
  RingLinks r;
  r.completed = run_toggles(threads, {0, 1, 2, 3}, 120, [&](std::size_t l, int k) {
    const bool uplink = l <= 1 && k % 3 == 0;
    const auto [unit, local] = unit_port(*s[l], uplink ? static_cast<std::uint32_t>(72 + l) : 0);
    return Mailbox(s[l]->bar(unit)).run(rd::Opcode::kPortAdmin, {local, rd::kAllSubports, toggled_admin(k)}).code ==
           C::kOk;
  });
  fabric.advance(3s);
  for (std::uint32_t l = 0; l < 4; ++l) {
    r.add(*s[l], 0);
    r.add(*s[l], 72);
  }
  r.add(*s[1], 73);
  for (std::uint32_t sp = 0; sp < 2; ++sp) r.add(*s[4 + sp], sp);
  return r;
}

TEST(SimFabricWorlds, ThreadsOnLeavesOfOnePodEndAsOneThreadDoes) {
  const RingLinks seq = run_pod(false);
  const RingLinks par = run_pod(true);
  expect_same_end(seq, par, 4 * 120, (4u * 2 + 1 + 2) * 4);
  // Leaf 0's uplink 72 and leaf 1's uplink 73 went down (and spine 0's port 0 and spine 1's
  // port 1 with them) on their first toggles and came back up; every GPU-facing port ends up.
  for (std::size_t l = 0; l < 4; ++l) EXPECT_EQ(seq.fields[l * 8 + 0], 1u) << "leaf " << l << " port 0";
  for (const std::size_t f : {4u, 32u, 36u, 40u}) {  // leaf 0 port 72, leaf 1 port 73, spine 0 port 0, spine 1 port 1
    EXPECT_EQ(seq.fields[f], 1u) << "field " << f << " oper";
    EXPECT_GE(seq.fields[f + 2], 1u) << "field " << f << " downs";
  }
}

// Reads beside fibers: a command that changes only what its unit shows (a CMIS read clearing
// latched flags, SetMtu, CountersClear) reserves its own node, so it runs beside a command of
// the unit its fibers reach. Switches 0 and 1 are fibered unit 0 to unit 0 (ports 0..3) and
// unit 1 to unit 1 (port 40), switch 2 to switch 1's port 4. Threads read on both ends of the
// fibers (switches 0 and 1, unit 0) while two more toggle ports that reach switch 1's units
// (switch 2's port 4, switch 0's port 40); the links and MTUs end as one thread leaves them.
RingLinks run_reads(bool threads) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = add_switches(fabric, 3, 61);
  if (s.size() != 3) return {};
  for (std::uint32_t p : {0u, 1u, 2u, 3u, 40u}) {
    EXPECT_TRUE(fabric.connect(*s[0], cpo::PortId(p), *s[1], cpo::PortId(p)).ok());
    admin_up(*s[0], p);
    admin_up(*s[1], p);
  }
  EXPECT_TRUE(fabric.connect(*s[2], cpo::PortId(4), *s[1], cpo::PortId(4)).ok());
  admin_up(*s[2], 4);
  admin_up(*s[1], 4);
  fabric.advance(2s);
  constexpr std::uint32_t kMtus[] = {9000, 9100};
  RingLinks r;
  r.completed = run_toggles(threads, {0, 1, 2, 3}, 150, [&](std::size_t d, int k) {
    if (d == 2)
      return Mailbox(s[2]->bar(0)).run(rd::Opcode::kPortAdmin, {4, rd::kAllSubports, toggled_admin(k)}).code == C::kOk;
    const auto [unit, local] = unit_port(*s[0], 40);
    if (d == 3)
      return Mailbox(s[0]->bar(unit)).run(rd::Opcode::kPortAdmin, {local, rd::kAllSubports, toggled_admin(k)}).code ==
             C::kOk;
    Mailbox mb(s[d]->bar(0));
    std::array<std::uint8_t, 128> page{};
    switch (k % 5) {
      case 0: return mb.cmis_read(rd::CmisTarget::kOe, 0, 0, 0x11, true, page).code == C::kOk;
      case 1: return mb.cmis_read(rd::CmisTarget::kOe, 0, 0, 0, false, page).code == C::kOk;
      case 2: return mb.cmis_read(rd::CmisTarget::kEls, 0, 0, 0x1A, true, page).code == C::kOk;
      case 3: return mb.run(rd::Opcode::kSetMtu, {static_cast<std::uint32_t>(d), 0, kMtus[(k / 5) % 2]}).code == C::kOk;
      default: return mb.run(rd::Opcode::kCountersClear, {2}).code == C::kOk;
    }
  });
  fabric.advance(3s);
  for (std::uint32_t p : {0u, 1u, 40u}) r.add(*s[0], p);
  for (std::uint32_t p : {0u, 1u, 4u, 40u}) r.add(*s[1], p);
  r.add(*s[2], 4);
  // Each reading switch's MTU of its port d (last SetMtu: k = 148, 9100).
  for (std::size_t d = 0; d < 2; ++d)
    r.fields.push_back(port_field(*s[d], static_cast<std::uint32_t>(d), rd::field::kPortMtu0));
  return r;
}

TEST(SimFabricWorlds, ReadsOnBothEndsOfFibersEndAsOneThreadDoes) {
  const RingLinks seq = run_reads(false);
  const RingLinks par = run_reads(true);
  expect_same_end(seq, par, 4 * 150, 8u * 4 + 2);
  // Every link is up at the end. The toggled ones (and their far ends) went down once, on
  // their first toggle; the read ones never.
  const std::array<std::uint32_t, 8> downs = {0, 0, 1, 0, 0, 1, 1, 1};  // s0: 0 1 40, s1: 0 1 4 40, s2: 4
  for (std::size_t f = 0; f < downs.size(); ++f) {
    EXPECT_EQ(seq.fields[f * 4], 1u) << "port " << f;
    EXPECT_EQ(seq.fields[f * 4 + 2], downs[f]) << "port " << f << " downs";
  }
  EXPECT_EQ(seq.fields[32], 9100u);
  EXPECT_EQ(seq.fields[33], 9100u);
}

// The back door and the fabric's advance while batches run beside each other: a fault takes
// the whole world (no batch runs beside it), and every command still completes once.
TEST(SimFabricWorlds, FaultsAndAdvancesWhileThreadsCommandFarApartSwitches) {
  Fabric fabric;
  const std::vector<sim::Switch*> s = cabled_ring(fabric, 12, 91);
  ASSERT_EQ(s.size(), 12u);
  constexpr int kCommands = 200;
  std::vector<int> ok;
  const std::vector<sim::Switch*> driven = {s[0], s[4], s[8]};
  std::vector<std::thread> ts = toggle_port8(driven, kCommands, ok);
  // Faults on the switches between the driven ones: the laser lighting port 9 fails and is
  // repaired and re-lit through its fiber check state as the back door leaves it.
  const Platform& pf = s[0]->platform();
  const LaserRef laser9 = laser_of(pf, 9);
  for (int round = 0; round < 20; ++round) {
    sim::Switch& victim = *s[2 + 4 * static_cast<std::size_t>(round % 3)];
    EXPECT_TRUE(victim.backdoor().fail_laser(laser9).ok());
    fabric.advance(1ms);
    EXPECT_TRUE(victim.backdoor().repair_laser(laser9).ok());
    EXPECT_TRUE(victim.backdoor().rx_power_dbm(pf.ports()[8].lanes[0]).ok());
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok, std::vector<int>(3, kCommands));
  // The failed lasers stay off until re-enabled: the victims' ports 9 are down for their laser.
  fabric.advance(100ms);
  for (std::size_t v : {2u, 6u, 10u})
    EXPECT_EQ(port_field(*s[v], 9, rd::field::kPortDownCause), static_cast<std::uint32_t>(rd::LinkCause::kLaserFault))
        << "switch " << v;
}

// A real-time fabric: its clock thread runs small instants as batches with the lock released,
// and back-door calls from another thread wait for them (tsan checks the hand-over).
TEST(SimFabricWorlds, ARealTimeFabricServesThreadsAndTheBackDoorTogether) {
  Fabric fabric(sim::ClockMode::real_time);
  const std::vector<sim::Switch*> s = add_switches(fabric, 4, 5);
  ASSERT_EQ(s.size(), 4u);
  ASSERT_TRUE(fabric.connect(*s[0], cpo::PortId(8), *s[1], cpo::PortId(9)).ok());
  constexpr int kCommands = 40;
  std::vector<int> ok;
  const std::vector<sim::Switch*> driven = {s[0], s[2]};
  std::vector<std::thread> ts = toggle_port8(driven, kCommands, ok);
  const Platform& pf = s[0]->platform();
  const LaserRef laser9 = laser_of(pf, 9);
  for (int round = 0; round < 20; ++round) {
    EXPECT_TRUE(s[3]->backdoor().fail_laser(laser9).ok());
    EXPECT_TRUE(s[1]->backdoor().repair_laser(laser9).ok());
    std::this_thread::sleep_for(1ms);
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok, std::vector<int>(2, kCommands));
  // The failed laser stays off until re-enabled (repair clears only the failure).
  EXPECT_EQ(s[3]->backdoor().rx_power_dbm(pf.ports()[9].lanes[0]).value().value(),
            -std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace cpo::testing
