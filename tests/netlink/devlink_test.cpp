// Devlink requests and replies against canned messages (this kernel has no devlink): the fake
// kernel of canned_kernel.h answers as the devlink netlink specification says, for a switch
// with two 4-lane splittable ports.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <fmt/format.h>

#include "../support/status_matchers.h"
#include "canned_kernel.h"
#include "cpo/drivers/netlink/devlink.h"

namespace cpo::netlink {
namespace {

using canned::FakeKernel;
using canned::kFamily;
using ::testing::HasSubstr;

class DevlinkTest : public ::testing::Test {
 protected:
  DevlinkTest() {
    auto k = std::make_unique<FakeKernel>();
    kernel_ = k.get();
    devlink_ = std::make_unique<Devlink>(std::move(k), kFamily);
  }
  FakeKernel* kernel_;
  std::unique_ptr<Devlink> devlink_;
};

TEST_F(DevlinkTest, ThisKernelHasNoDevlinkAndSaysSo) {
  auto d = Devlink::open("");
  if (d.ok()) GTEST_SKIP() << "this kernel has devlink";
  EXPECT_STATUS(d.status(), Code::unsupported, "no devlink generic-netlink family");
}

TEST_F(DevlinkTest, DumpsPortsFromPortNewMessagesUntilDone) {
  auto ports = devlink_->ports();
  ASSERT_TRUE(ports.ok()) << ports.status().to_string();
  EXPECT_EQ(kernel_->last_cmd_, DEVLINK_CMD_PORT_GET);
  EXPECT_EQ(kernel_->last_version_, DEVLINK_GENL_VERSION);
  EXPECT_EQ(kernel_->last_flags_ & NLM_F_DUMP, NLM_F_DUMP);
  ASSERT_EQ(ports->size(), 2u);
  EXPECT_EQ((*ports)[0].bus, "pci");
  EXPECT_EQ((*ports)[0].device, "0000:03:00.0");
  EXPECT_EQ((*ports)[0].netdev, "swp1");
  EXPECT_EQ((*ports)[0].lanes, 4u);
  EXPECT_TRUE((*ports)[0].splittable);
  EXPECT_EQ((*ports)[0].flavour, DEVLINK_PORT_FLAVOUR_PHYSICAL);
  EXPECT_FALSE((*ports)[0].split_subport.has_value());
}

TEST_F(DevlinkTest, SplitsAFourLanePortIntoFourAndUnsplitsIt) {
  auto before = devlink_->ports();
  ASSERT_TRUE(before.ok());
  const DevlinkPort swp1 = (*before)[0];
  ASSERT_TRUE(devlink_->split(swp1, 4).ok());
  EXPECT_EQ(kernel_->last_cmd_, DEVLINK_CMD_PORT_SPLIT);
  EXPECT_EQ(kernel_->last_bus_, "pci");
  EXPECT_EQ(kernel_->last_dev_, "0000:03:00.0");
  EXPECT_EQ(kernel_->last_attrs_[DEVLINK_ATTR_PORT_INDEX], swp1.index);
  EXPECT_EQ(kernel_->last_attrs_[DEVLINK_ATTR_PORT_SPLIT_COUNT], 4u);
  EXPECT_EQ(kernel_->last_flags_ & (NLM_F_REQUEST | NLM_F_ACK), NLM_F_REQUEST | NLM_F_ACK);

  auto split = devlink_->ports();
  ASSERT_TRUE(split.ok());
  std::vector<std::string> names;
  for (const auto& p : *split)
    if (p.number == 1) {
      names.push_back(p.netdev);
      EXPECT_EQ(p.lanes, 1u);
      EXPECT_EQ(p.split_group, 1u);
    }
  EXPECT_THAT(names, ::testing::ElementsAre("swp1s0", "swp1s1", "swp1s2", "swp1s3"));

  // A sub-port cannot be split again: the kernel's words, the port and the code.
  auto sub = std::find_if(split->begin(), split->end(), [](const DevlinkPort& p) { return p.netdev == "swp1s0"; });
  ASSERT_NE(sub, split->end());
  const Status again = devlink_->split(*sub, 2);
  EXPECT_STATUS(again, Code::invalid_argument, "Port cannot be split further");
  EXPECT_THAT(again.message(), HasSubstr("swp1s0"));

  ASSERT_TRUE(devlink_->unsplit(*std::next(sub)).ok());  // any sub-port of the group
  EXPECT_EQ(kernel_->last_cmd_, DEVLINK_CMD_PORT_UNSPLIT);
  auto after = devlink_->ports();
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].netdev, "swp1");
  EXPECT_EQ((*after)[0].lanes, 4u);
}

TEST_F(DevlinkTest, ErrorRepliesCarryTheExtendedAck) {
  auto ports = devlink_->ports();
  ASSERT_TRUE(ports.ok());
  const Status bad = devlink_->split((*ports)[1], 3);
  EXPECT_STATUS(bad, Code::invalid_argument, "Invalid split count");
  EXPECT_THAT(bad.message(), HasSubstr("devlink port pci/0000:03:00.0/2 (swp2): split into 3"));
  EXPECT_STATUS(devlink_->unsplit((*ports)[1]), Code::invalid_argument, "Port was not split");
  DevlinkPort ghost = (*ports)[1];
  ghost.index = 99;
  EXPECT_STATUS(devlink_->split(ghost, 2), Code::not_found, "Port does not exist");
}

TEST_F(DevlinkTest, InfoGetReadsDriverSerialAndEveryRunningVersion) {
  auto info = devlink_->info("pci", "0000:03:00.0");
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(kernel_->last_cmd_, DEVLINK_CMD_INFO_GET);
  EXPECT_EQ(info->driver, "mlxsw_spectrum4");
  EXPECT_EQ(info->serial, "MT2420X00123");
  ASSERT_EQ(info->running.size(), 2u);
  EXPECT_EQ(info->running[1], (std::pair<std::string, std::string>{"fw.version", "34.2012.1068"}));
}

}  // namespace
}  // namespace cpo::netlink
