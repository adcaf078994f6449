// The netlink driver against the real kernel: a scratch namespace with veth pairs, every
// result compared with `ip -j -d link show` and `ethtool` on the same interfaces.
#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "../support/status_matchers.h"
#include "canned_kernel.h"
#include "cpo/drivers/netlink/netlink_driver.h"
#include "cpo/hal/backend/validated_driver.h"
#include "cpo/hal/cmis/hexdump.h"
#include "cpo/hal/cmis/module.h"
#include "cpo/sdk/switch.h"
#include "netns_rig.h"

namespace cpo::netlink {
namespace {

using cpo::testing::NetnsRig;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

class NetlinkDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NetnsRig::root()) GTEST_SKIP() << "needs root (creates a network namespace and veth pairs)";
    rig_ = std::make_unique<NetnsRig>(4);
    ASSERT_TRUE(rig_->ok()) << "could not create namespace " << rig_->name() << " with veth pairs";
    Options o;
    o.netns = rig_->name();
    auto d = NetlinkDriver::open(o);
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    driver_ = std::move(d).value();
  }

  nlohmann::json ip_link(const std::string& ifname) {
    const auto r = rig_->ip("-j -d link show " + ifname);
    EXPECT_EQ(r.exit_code, 0);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_array() && !j.empty() ? j[0] : nlohmann::json();
  }

  // Drains events until `pred` holds on one of them or 2 s pass.
  template <typename Pred>
  bool wait_event(Pred pred, std::vector<Event>* seen = nullptr) {
    for (int i = 0; i < 400; ++i) {
      std::vector<Event> got;
      EXPECT_TRUE(driver_->read_events(got).ok());
      for (const auto& e : got) {
        if (seen != nullptr) seen->push_back(e);
        if (pred(e)) return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::unique_ptr<NetnsRig> rig_;
  std::unique_ptr<NetlinkDriver> driver_;
};

TEST_F(NetlinkDriverTest, PortsAreTheNetdevsMatchingThePatternInNumberOrder) {
  ASSERT_EQ(driver_->netdevs().size(), 4u);
  for (std::uint32_t p = 0; p < 4; ++p) {
    EXPECT_EQ(driver_->netdevs()[p].ifname, fmt::format("swp{}", p + 1));
    EXPECT_EQ(driver_->netdevs()[p].ifindex, ip_link(fmt::format("swp{}", p + 1))["ifindex"].get<int>());
  }
  EXPECT_EQ(driver_->platform().ports().size(), 4u);
  EXPECT_EQ(driver_->platform().ports()[2].alias, "swp3");
  EXPECT_EQ(*driver_->port_of("swp4"), PortId(3));
  EXPECT_STATUS(driver_->port_of("peer1").status(), Code::not_found, "peer1");
  EXPECT_EQ(driver_->capabilities().backend, "netlink");
  EXPECT_TRUE(driver_->capabilities().port_admin);
  // No devlink on this kernel: no breakout. The ethtool family exists: CMIS reads are offered
  // (and refused by veth itself, below).
  EXPECT_FALSE(driver_->capabilities().breakout);
  EXPECT_TRUE(driver_->capabilities().cmis_oe);
  EXPECT_FALSE(driver_->capabilities().cmis_write);
  // MTU: the range the kernel reports for the netdevs.
  const auto j = ip_link("swp1");
  EXPECT_TRUE(driver_->capabilities().mtu);
  EXPECT_EQ(driver_->capabilities().mtu_min, j["min_mtu"].get<std::uint32_t>());
  EXPECT_EQ(driver_->capabilities().mtu_max, j["max_mtu"].get<std::uint32_t>());
}

TEST_F(NetlinkDriverTest, AdminMtuAndOperStateMatchIpLink) {
  ASSERT_TRUE(driver_->set_admin_state(PortId(0), AdminState::up).ok());
  ASSERT_TRUE(driver_->set_mtu(LogicalPort{PortId(0), 0}, 9000).ok());
  for (std::uint32_t p = 0; p < 2; ++p) {
    const std::string name = fmt::format("swp{}", p + 1);
    auto s = driver_->link_state(PortId(p));
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    const auto j = ip_link(name);
    EXPECT_EQ(s->ifname, j["ifname"]);
    EXPECT_EQ(s->ifindex, j["ifindex"].get<int>());
    EXPECT_EQ(s->mtu, j["mtu"].get<std::uint32_t>());
    EXPECT_EQ(s->min_mtu, j["min_mtu"].get<std::uint32_t>());
    EXPECT_EQ(s->max_mtu, j["max_mtu"].get<std::uint32_t>());
    EXPECT_EQ(s->operstate, j["operstate"]);
    const auto& flags = j["flags"];
    EXPECT_EQ(s->admin_up, std::find(flags.begin(), flags.end(), "UP") != flags.end()) << name;
    // ip prints NO-CARRIER only for an interface that is up.
    if (s->admin_up) {
      EXPECT_EQ(s->carrier, std::find(flags.begin(), flags.end(), "NO-CARRIER") == flags.end()) << name;
    }
  }
  EXPECT_EQ(ip_link("swp1")["mtu"], 9000);
  EXPECT_EQ(*driver_->mtu(LogicalPort{PortId(0), 0}), 9000u);
  ASSERT_EQ(rig_->ip("link set swp2 mtu 1280").exit_code, 0);
  EXPECT_EQ(*driver_->mtu(LogicalPort{PortId(1), 0}), 1280u);
  // The peer is down: swp1 is admin up without carrier.
  EXPECT_EQ(*driver_->oper_state(PortId(0)), OperState::down);
  ASSERT_EQ(rig_->ip("link set peer1 up").exit_code, 0);
  for (int i = 0; i < 200 && *driver_->oper_state(PortId(0)) != OperState::up; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(*driver_->oper_state(PortId(0)), OperState::up);
  EXPECT_EQ(ip_link("swp1")["operstate"], "UP");
  auto t = driver_->port_telemetry(PortId(0));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->admin(), AdminState::up);
  EXPECT_EQ(t->oper(), OperState::up);
  ASSERT_TRUE(driver_->set_admin_state(PortId(0), AdminState::down).ok());
  EXPECT_EQ(ip_link("swp1")["operstate"], "DOWN");
  EXPECT_EQ(driver_->port_telemetry(PortId(0))->down_cause, LinkCause::admin_down);
}

TEST_F(NetlinkDriverTest, KernelRefusalsCarryTheExtendedAckAndTheDevice) {
  const auto ip_says = rig_->ip("link set swp1 mtu 70000", true).out;
  EXPECT_THAT(ip_says, HasSubstr("mtu greater than device maximum"));
  const Status mtu = driver_->set_mtu(LogicalPort{PortId(0), 0}, 70000);
  EXPECT_STATUS(mtu, Code::out_of_range, "mtu greater than device maximum");
  EXPECT_THAT(mtu.message(), HasSubstr("swp1"));
  EXPECT_EQ(ip_link("swp1")["mtu"], 1500);  // nothing changed

  // `ethtool -m` on a veth: "Operation not supported", and so do we, naming the device.
  EXPECT_THAT(rig_->exec("ethtool -m swp1", true).out, HasSubstr("Operation not supported"));
  std::vector<std::uint8_t> bytes;
  const Status eeprom = driver_->read_module_eeprom(PortId(0), EepromRequest{}, bytes);
  EXPECT_STATUS(eeprom, Code::unsupported, "Operation not supported");
  EXPECT_THAT(eeprom.message(), HasSubstr("swp1"));
  EXPECT_THAT(eeprom.message(), HasSubstr("module EEPROM page 00h"));
  // The same through Driver::read_cmis, as `cpoctl cmis dump --port swp1` reads it.
  std::array<std::uint8_t, 128> page{};
  const Status cmis = driver_->read_cmis(CmisAddress{OeId(0), BankId(0), 0, 0}, page);
  EXPECT_STATUS(cmis, Code::unsupported, "Operation not supported");
  EXPECT_THAT(cmis.message(), HasSubstr("swp1"));

  // Power mode: the kernel's extack text, as ethtool prints it.
  const auto ethtool_says = rig_->exec("ethtool --set-module swp1 power-mode-policy auto", true).out;
  EXPECT_THAT(ethtool_says, HasSubstr("Setting power mode policy is not supported by this device"));
  const Status power = driver_->set_module_power_auto(PortId(0), true);
  EXPECT_STATUS(power, Code::unsupported, "Setting power mode policy is not supported by this device");
  EXPECT_THAT(power.message(), HasSubstr("swp1"));

  // A half-page crossing never reaches the kernel.
  EXPECT_STATUS(driver_->read_module_eeprom(PortId(0), EepromRequest{0, 0, 120, 16, 0x50}, bytes),
                Code::invalid_argument, "half page");
}

TEST_F(NetlinkDriverTest, SpeedDuplexAndLinkAsEthtoolReportsThem) {
  ASSERT_EQ(rig_->ip("link set swp2 up").exit_code, 0);
  auto m = driver_->link_modes(PortId(1));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  // ethtool 6.1 has no --json for the settings command: the text is the reference.
  const std::string text = rig_->exec("ethtool swp2").out;
  std::smatch speed, duplex, autoneg, link;
  ASSERT_TRUE(std::regex_search(text, speed, std::regex("Speed: (\\d+)Mb/s"))) << text;
  ASSERT_TRUE(std::regex_search(text, duplex, std::regex("Duplex: (\\w+)")));
  ASSERT_TRUE(std::regex_search(text, autoneg, std::regex("Auto-negotiation: (\\w+)")));
  ASSERT_TRUE(std::regex_search(text, link, std::regex("Link detected: (\\w+)")));
  ASSERT_TRUE(m->speed_mbps.has_value());
  EXPECT_EQ(*m->speed_mbps, std::stoul(speed[1]));
  EXPECT_EQ(m->duplex, duplex[1]);
  EXPECT_EQ(m->autoneg, autoneg[1] == "on");
  EXPECT_EQ(m->link_detected, link[1] == "yes");
  std::smatch port, transceiver;
  ASSERT_TRUE(std::regex_search(text, port, std::regex("Port: ([^\\n]+)")));
  ASSERT_TRUE(std::regex_search(text, transceiver, std::regex("Transceiver: (\\w+)")));
  EXPECT_EQ(m->port, port[1]);
  EXPECT_EQ(m->transceiver, transceiver[1]);

  // FEC: a veth has none; `ethtool --json --show-fec` says so too.
  EXPECT_THAT(rig_->exec("ethtool --json --show-fec swp2", true).out, HasSubstr("Operation not supported"));
  EXPECT_STATUS(driver_->fec(PortId(1)).status(), Code::unsupported, "ETHTOOL_MSG_FEC_GET: Operation not supported");
}

TEST_F(NetlinkDriverTest, ThePeerGoingDownIsALinkEvent) {
  ASSERT_EQ(rig_->ip("link set peer3 up").exit_code, 0);
  ASSERT_TRUE(driver_->set_admin_state(PortId(2), AdminState::up).ok());
  auto is = [](PortId port, OperState state, LinkCause cause) {
    return [=](const Event& e) {
      const auto* l = e.get<LinkChange>();
      return l != nullptr && l->port == LogicalPort{port, 0} && l->state == state && l->cause == cause;
    };
  };
  EXPECT_TRUE(wait_event(is(PortId(2), OperState::up, LinkCause::none)));
  ASSERT_EQ(rig_->ip("link set peer3 down").exit_code, 0);
  EXPECT_TRUE(wait_event(is(PortId(2), OperState::down, LinkCause::none)));
  ASSERT_EQ(rig_->ip("link set peer3 up").exit_code, 0);
  EXPECT_TRUE(wait_event(is(PortId(2), OperState::up, LinkCause::none)));
  ASSERT_EQ(rig_->ip("link set swp3 down").exit_code, 0);
  EXPECT_TRUE(wait_event(is(PortId(2), OperState::down, LinkCause::admin_down)));
}

TEST(NetlinkOverrun, AnOverrunIsAResyncFollowedBySyntheticChanges) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig rig(2);
  ASSERT_TRUE(rig.ok());
  Options o;
  o.netns = rig.name();
  o.event_buffer_bytes = 1;  // the kernel's minimum: a few notifications fill it
  auto d = NetlinkDriver::open(o);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  ASSERT_EQ(rig.ip("link set peer1 up").exit_code, 0);
  // Many changes in one batch, ending with swp1 up and carrier on.
  std::string batch;
  for (int i = 0; i < 50; ++i)
    batch += "link set swp1 up\nlink set swp1 down\nlink set swp1 mtu 1400\nlink set swp1 mtu 1500\n";
  batch += "link set swp1 up\n";
  ASSERT_EQ(cpo::testing::shell(fmt::format("printf '{}' | ip -n {} -batch -", batch, rig.name())).exit_code, 0);
  std::this_thread::sleep_for(50ms);
  std::vector<Event> got;
  ASSERT_TRUE((*d)->read_events(got).ok());
  auto resync = std::find_if(got.begin(), got.end(), [](const Event& e) { return e.get<Resync>() != nullptr; });
  ASSERT_NE(resync, got.end()) << got.size() << " events and no resync";
  // After the resync, applying the events in order ends with the kernel's state: port 0 up.
  OperState last = OperState::down;
  for (const auto& e : got)
    if (const auto* l = e.get<LinkChange>(); l != nullptr && l->port.port == PortId(0)) last = l->state;
  EXPECT_EQ(last, OperState::up);
  EXPECT_EQ(*(*d)->oper_state(PortId(0)), OperState::up);
}

TEST(NetlinkOpen, ClearErrorsForAMissingNamespaceNetdevOrMapEntry) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  Options o;
  o.netns = "cposdk-no-such-namespace";
  EXPECT_STATUS(NetlinkDriver::open(o).status(), Code::not_found, "ip netns add cposdk-no-such-namespace");
  NetnsRig rig(1);
  ASSERT_TRUE(rig.ok());
  o.netns = rig.name();
  o.pattern = "Ethernet{N}";
  EXPECT_STATUS(NetlinkDriver::open(o).status(), Code::not_found,
                "no netdev in netns " + rig.name() + " matches Ethernet{N}");
  o.pattern = "swp";
  EXPECT_STATUS(NetlinkDriver::open(o).status(), Code::invalid_argument, "has no {N}");
  const std::string map = fmt::format("/tmp/cposdk-nl-map-{}", ::getpid());
  cpo::testing::shell(fmt::format("printf '# port ifname\\n0 peer1\\n1 swp9\\n' > {}", map));
  o.map_file = map;
  EXPECT_STATUS(NetlinkDriver::open(o).status(), Code::not_found, "port 1: no netdev swp9");
  cpo::testing::shell(fmt::format("printf '0 peer1 # the peer as a port\\n' > {}", map));
  auto d = NetlinkDriver::open(o);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_EQ((*d)->netdevs()[0].ifname, "peer1");
  std::remove(map.c_str());
}

TEST_F(NetlinkDriverTest, EveryThreadHasItsOwnSocket) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!driver_->link_state(PortId(static_cast<std::uint32_t>(t))).ok()) ++failures;
        if (!driver_->set_admin_state(PortId(static_cast<std::uint32_t>(t)), i % 2 ? AdminState::up : AdminState::down)
                 .ok())
          ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(NetlinkDriverTest, TheFacadeOpensNetlinkAndAddressesPortsByNetdevName) {
  auto sw = sdk::Switch::open("netlink://?netns=" + rig_->name());
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  auto ref = (*sw)->resolve("swp2");
  ASSERT_TRUE(ref.ok()) << ref.status().to_string();
  ASSERT_TRUE(std::holds_alternative<PortId>(*ref));
  EXPECT_EQ(std::get<PortId>(*ref), PortId(1));
  ASSERT_TRUE((*sw)->set_admin(PortId(1), AdminState::up).ok());
  EXPECT_THAT(ip_link("swp2")["flags"].dump(), HasSubstr("\"UP\""));
  EXPECT_STATUS((*sw)->set_fec(PortId(1), FecMode::rs544), Code::unsupported, "netlink");
  EXPECT_STATUS(sdk::Switch::open("netlink://?netns=" + rig_->name() + "&colour=red").status(), Code::invalid_argument,
                "colour");
}

}  // namespace
}  // namespace cpo::netlink

namespace cpo::netlink {
namespace {

TEST(NetlinkProfile, AProfileGivesTheTopologyAndPortsWithoutANetdevAnswerNotFound) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig rig(2);
  ASSERT_TRUE(rig.ok());
  auto sw = sdk::Switch::open(fmt::format("netlink://?netns={}&profile=cpo144", rig.name()));
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  EXPECT_EQ((*sw)->platform().ports().size(), 144u);
  ASSERT_TRUE((*sw)->set_admin(PortId(1), AdminState::up).ok());  // swp2
  EXPECT_THAT(rig.ip("-j link show swp2").out, HasSubstr("\"UP\""));
  EXPECT_STATUS((*sw)->set_admin(PortId(7), AdminState::up), Code::not_found, "port 7: no netdev");
  auto snap = (*sw)->snapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().to_string();
  EXPECT_EQ(snap->units.units.size(), 4u);
}

}  // namespace
}  // namespace cpo::netlink

namespace cpo::netlink {
namespace {

cmis::MemoryMap mcp1660() {
  std::ifstream in(std::string(CPOSDK_TEST_DATA) + "/cmis/qsfpdd-mcp1660-page0.sfputil.txt");
  std::stringstream text;
  text << in.rdbuf();
  auto map = cmis::parse_sfputil(text.str());
  EXPECT_TRUE(map.ok()) << map.status().to_string();
  return map.ok() ? *map : cmis::MemoryMap();
}

// read_cmis over MODULE_EEPROM_GET, answered from a real module's bytes (tests/data/cmis: a
// QSFP-DD MCP1660 cable) by a canned ethtool family, since veth has no EEPROM.
TEST(NetlinkModuleEeprom, ReadCmisDecodesARealModuleThroughTheCodec) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig rig(2);
  ASSERT_TRUE(rig.ok());
  const cmis::MemoryMap module = mcp1660();
  auto kernel = std::make_shared<canned::FakeEthtool>(module);
  Options o;
  o.netns = rig.name();
  o.module_eeprom = Options::CannedGenl{kernel, canned::FakeEthtool::kFamily};
  auto d = NetlinkDriver::open(o);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  ASSERT_TRUE((*d)->capabilities().cmis_oe);
  ValidatedDriver validated(**d, (*d)->platform());

  // What `cpoctl cmis dump --port swp1` reads: lower memory, then page 00h.
  cmis::MemoryMap read;
  ASSERT_TRUE(validated.read_cmis(CmisAddress{OeId(0), BankId(0), 0, 0}, read.lower_or_insert()).ok());
  ASSERT_TRUE(validated.read_cmis(CmisAddress{OeId(0), BankId(0), 0, 128}, read.upper_or_insert(0)).ok());
  ASSERT_EQ(kernel->requests.size(), 2u);
  EXPECT_EQ(kernel->requests[0].dev, "swp1");  // OE 0 bank 0 holds port 0's lanes
  EXPECT_EQ(kernel->requests[0].offset, 0u);
  EXPECT_EQ(kernel->requests[0].length, 128u);
  EXPECT_EQ(kernel->requests[0].page, 0);
  EXPECT_EQ(kernel->requests[1].offset, 128u);
  EXPECT_EQ(kernel->requests[1].i2c, 0x50);
  EXPECT_EQ(*read.lower(), *module.lower());
  auto decoded = cmis::decode(read);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  ASSERT_TRUE(decoded->page00.has_value());
  EXPECT_EQ(decoded->page00->vendor_name, "Mellanox");
  EXPECT_EQ(decoded->page00->part_number, "MCP1660-W00AE30");

  // Upper pages of a bank go with the bank; lower memory always as page 0 bank 0 (the kernel
  // refuses anything else there).
  std::array<std::uint8_t, 8> small{};
  EXPECT_TRUE(validated.read_cmis(CmisAddress{OeId(0), BankId(0), 0, 140}, small).ok());
  EXPECT_EQ(kernel->requests.back().offset, 140u);
  EXPECT_EQ(kernel->requests.back().length, 8u);
  EXPECT_TRUE(std::equal(small.begin(), small.end(), module.upper(0)->begin() + 12));
  // OE 1 is port 1's module: swp2.
  ASSERT_TRUE(validated.read_cmis(CmisAddress{OeId(1), BankId(0), 0, 0}, small).ok());
  EXPECT_EQ(kernel->requests.back().dev, "swp2");
  // A page the module does not have: the kernel's words reach the caller.
  EXPECT_STATUS(validated.read_cmis(CmisAddress{OeId(0), BankId(0), 0x11, 128}, small), Code::invalid_argument,
                "page not present in this module");
  // A transfer crossing byte 128 is refused before the kernel.
  const auto before = kernel->requests.size();
  EXPECT_EQ(validated.read_cmis(CmisAddress{OeId(0), BankId(0), 0, 120}, small).code(), Code::ok);
  std::array<std::uint8_t, 16> cross{};
  EXPECT_STATUS(validated.read_cmis(CmisAddress{OeId(0), BankId(0), 0, 120}, cross), Code::invalid_argument,
                "would cross byte 128");
  EXPECT_EQ(kernel->requests.size(), before + 1);
  // ELS modules are not behind a netdev.
  EXPECT_EQ(validated.read_cmis(CmisAddress{ElsId(0), BankId(0), 0x1A, 128}, small).code(), Code::unsupported);

  // The facade's OE telemetry is the module's lower memory decoded by the codec.
  UnitTelemetry t;
  ASSERT_TRUE((*d)->read_telemetry(UnitId(0), t).ok());
  ASSERT_FALSE(t.oes.empty());
  const cmis::LowerPage lower = cmis::decode_lower(*module.lower());
  EXPECT_EQ(t.oes[0].module_state, lower.module_state);
  EXPECT_EQ(t.oes[0].temperature.value(), lower.temperature.value());
  EXPECT_EQ(t.oes[0].vcc.value(), lower.vcc.value());
}

// Breakout through devlink: a canned devlink kernel whose split and unsplit replace real veth
// netdevs in the namespace, as mlxsw replaces swp1 by swp1s0..swp1s3.
class NetlinkDevlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
    rig_ = std::make_unique<NetnsRig>(2);
    ASSERT_TRUE(rig_->ok());
    auto k = std::make_unique<canned::FakeKernel>();
    kernel_ = k.get();
    kernel_->set_splittable(2, false);
    const std::string ns = rig_->name();
    kernel_->on_split = [ns](const std::string& netdev, std::uint32_t count) {
      cpo::testing::shell(fmt::format("ip -n {} link del {}", ns, netdev));
      for (std::uint32_t s = 0; s < count; ++s)
        cpo::testing::shell(
            fmt::format("ip -n {} link add {}s{} type veth peer name p{}s{}", ns, netdev, s, netdev, s));
    };
    kernel_->on_unsplit = [ns](std::uint32_t number) {
      for (int s = 0; s < 4; ++s) cpo::testing::shell(fmt::format("ip -n {} link del swp{}s{}", ns, number, s));
      cpo::testing::shell(fmt::format("ip -n {} link add swp{} type veth peer name peer{}", ns, number, number));
    };
    Options o;
    o.netns = ns;
    auto kernel =
        std::shared_ptr<std::unique_ptr<canned::FakeKernel>>(new std::unique_ptr<canned::FakeKernel>(std::move(k)));
    o.devlink = [kernel]() -> Result<std::unique_ptr<Devlink>> {
      return std::make_unique<Devlink>(std::move(*kernel), canned::kFamily);
    };
    auto d = NetlinkDriver::open(o);
    ASSERT_TRUE(d.ok()) << d.status().to_string();
    driver_ = std::move(d).value();
  }
  int ifindex(const std::string& name) {
    auto j = nlohmann::json::parse(rig_->ip("-j link show " + name).out, nullptr, false);
    return j.is_array() && !j.empty() ? j[0]["ifindex"].get<int>() : 0;
  }
  std::unique_ptr<NetnsRig> rig_;
  canned::FakeKernel* kernel_ = nullptr;
  std::unique_ptr<NetlinkDriver> driver_;
};

TEST_F(NetlinkDevlinkTest, SplitOfAFourLanePortIntoFourMapsTheSubportNetdevsAndUnsplitRestoresIt) {
  EXPECT_TRUE(driver_->capabilities().breakout);
  ValidatedDriver validated(*driver_, driver_->platform());
  const auto& modes = driver_->platform().breakout_modes();
  const BreakoutMode four = *BreakoutMode::parse("4x200G");
  const BreakoutRequest split[] = {{PortId(0), four}};
  ASSERT_TRUE(validated.set_breakout(split).ok());
  ASSERT_NE(kernel_->last_change(), nullptr);
  EXPECT_EQ(kernel_->last_change()->first, DEVLINK_CMD_PORT_SPLIT);
  EXPECT_EQ(kernel_->last_change()->second.at(DEVLINK_ATTR_PORT_SPLIT_COUNT), 4u);

  std::vector<std::string> names;
  for (const auto& n : driver_->subport_netdevs()) {
    if (n.port.port != PortId(0)) continue;
    names.push_back(n.ifname);
    EXPECT_EQ(n.ifindex, ifindex(n.ifname)) << n.ifname;
  }
  EXPECT_THAT(names, ::testing::ElementsAre("swp1s0", "swp1s1", "swp1s2", "swp1s3"));
  auto t = validated.port_telemetry(PortId(0));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->subports, 4u);
  EXPECT_EQ(modes[t->breakout], four);
  EXPECT_EQ(t->subport_speed, Gbps(200));

  // Sub-port 2 is swp1s2: admin, MTU and events reach that netdev.
  ASSERT_TRUE(validated.set_subport_admin_state(LogicalPort{PortId(0), 2}, AdminState::up).ok());
  EXPECT_THAT(rig_->ip("-j link show swp1s2").out, HasSubstr("\"UP\""));
  EXPECT_EQ(validated.port_telemetry(PortId(0))->admin_mask, 0b0100u);
  ASSERT_TRUE(validated.set_mtu(LogicalPort{PortId(0), 3}, 4000).ok());
  EXPECT_THAT(rig_->ip("-j link show swp1s3").out, HasSubstr("\"mtu\":4000"));
  ASSERT_EQ(rig_->ip("link set pswp1s2 up").exit_code, 0);
  bool seen = false;
  for (int i = 0; i < 400 && !seen; ++i) {
    std::vector<Event> got;
    ASSERT_TRUE(driver_->read_events(got).ok());
    for (const auto& e : got)
      if (const auto* l = e.get<LinkChange>(); l != nullptr && l->port == LogicalPort{PortId(0), 2})
        seen = l->state == OperState::up;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(seen) << "no link_change up for 0/2 (swp1s2)";

  // Back to one port: unsplit, swp1 is the port's netdev again.
  const BreakoutRequest join[] = {{PortId(0), modes.front()}};
  ASSERT_TRUE(validated.set_breakout(join).ok());
  EXPECT_EQ(kernel_->last_change()->first, DEVLINK_CMD_PORT_UNSPLIT);
  const auto after = driver_->subport_netdevs();
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after[0].ifname, "swp1");
  EXPECT_EQ(after[0].ifindex, ifindex("swp1"));
  EXPECT_EQ(validated.port_telemetry(PortId(0))->subports, 1u);
}

TEST_F(NetlinkDevlinkTest, TheKernelsRefusalWithItsExtendedAckReachesTheCaller) {
  // Port 1 (swp2) is not splittable: devlink answers EINVAL "Port cannot be split".
  const BreakoutRequest req[] = {{PortId(1), *BreakoutMode::parse("2x400G")}};
  const Status s = driver_->set_breakout(req);
  EXPECT_STATUS(s, Code::invalid_argument, "Port cannot be split");
  EXPECT_THAT(s.message(), HasSubstr("swp2"));
  EXPECT_THAT(s.message(), HasSubstr("split into 2"));
  EXPECT_EQ(driver_->subport_netdevs()[1].ifname, "swp2");  // nothing changed
}

// MTU through the facade over netlink://: read, set, and refused outside the kernel's range
// by the validating layer before any request.
TEST(NetlinkFacade, PortMtuIsReadAndSetThroughTheFacade) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig rig(2);
  ASSERT_TRUE(rig.ok());
  auto sw = sdk::Switch::open("netlink://?netns=" + rig.name());
  ASSERT_TRUE(sw.ok()) << sw.status().to_string();
  EXPECT_EQ(*(*sw)->mtu(LogicalPort{PortId(1), 0}), 1500u);
  ASSERT_TRUE((*sw)->set_mtu(LogicalPort{PortId(1), 0}, 9100).ok());
  EXPECT_THAT(rig.ip("-j link show swp2").out, HasSubstr("\"mtu\":9100"));
  EXPECT_STATUS((*sw)->set_mtu(LogicalPort{PortId(1), 0}, 70000), Code::out_of_range, "68..65535");
  EXPECT_THAT(rig.ip("-j link show swp2").out, HasSubstr("\"mtu\":9100"));
}

}  // namespace
}  // namespace cpo::netlink

namespace cpo::netlink {
namespace {

// cpoctl over netlink:// as a user runs it: MTU set and shown, refused outside the kernel's
// range, and `cmis dump --port` reaching the veth's module EEPROM, which says it has none.
TEST(NetlinkCpoctl, PortMtuAndCmisDumpOnAKernelDrivenSwitch) {
  if (!NetnsRig::root()) GTEST_SKIP() << "needs root";
  NetnsRig rig(2);
  ASSERT_TRUE(rig.ok());
  const std::string dev = fmt::format("{} --device 'netlink://?netns={}'", CPOCTL_PATH, rig.name());
  auto set = cpo::testing::shell(dev + " port set swp2 mtu 9100", true);
  EXPECT_EQ(set.exit_code, 0) << set.out;
  EXPECT_THAT(rig.ip("-j link show swp2").out, HasSubstr("\"mtu\":9100"));
  const auto shown = nlohmann::json::parse(cpo::testing::shell(dev + " --json port show swp2").out, nullptr, false);
  ASSERT_TRUE(shown.contains("ports")) << shown.dump();
  EXPECT_EQ(shown["ports"][0]["mtu"], 9100);
  auto refused = cpo::testing::shell(dev + " port set swp2 mtu 70000", true);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_THAT(refused.out, HasSubstr("outside the range 68..65535"));
  auto dump = cpo::testing::shell(dev + " cmis dump --port swp1", true);
  EXPECT_EQ(dump.exit_code, 3);
  EXPECT_THAT(dump.out, HasSubstr("port 0 (swp1): module EEPROM page 00h bank 0 offset 0 length 128: Operation not "
                                  "supported"));
}

}  // namespace
}  // namespace cpo::netlink
