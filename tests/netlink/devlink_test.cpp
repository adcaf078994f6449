// Devlink requests and replies against canned messages (this kernel has no devlink): a fake
// kernel answers as the devlink netlink specification (Documentation/netlink/specs/devlink.yaml)
// says - port dumps as DEVLINK_CMD_PORT_NEW messages then NLMSG_DONE, acks, and errors with an
// extended ack - for a switch with two 4-lane splittable ports.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/devlink.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <fmt/format.h>

#include "../support/status_matchers.h"
#include "cpo/drivers/netlink/devlink.h"

namespace cpo::netlink {
namespace {

using ::testing::HasSubstr;

constexpr std::uint16_t kFamily = 0x1d;  // whatever the controller would have said
const char* const kBus = "pci";
const char* const kDev = "0000:03:00.0";

struct FakePort {
  std::string netdev;
  std::uint32_t number = 0;
  std::uint32_t lanes = 4;
  bool splittable = true;
  std::optional<std::uint32_t> subport;
};

// The kernel side: the request it got, the datagrams it answers with.
class FakeKernel final : public DevlinkTransport {
 public:
  FakeKernel() {
    ports_[1] = {"swp1", 1, 4, true, std::nullopt};
    ports_[2] = {"swp2", 2, 4, true, std::nullopt};
  }

  Status send(std::span<const std::uint8_t> message) override {
    last_.assign(message.begin(), message.end());
    auto* h = reinterpret_cast<nlmsghdr*>(last_.data());
    auto* g = static_cast<genlmsghdr*>(nlmsg_data(h));
    nlattr* tb[DEVLINK_ATTR_MAX + 1] = {};
    if (genlmsg_parse(h, 0, tb, DEVLINK_ATTR_MAX, nullptr) != 0) return error(Code::internal, "bad request");
    last_cmd_ = g->cmd;
    last_version_ = g->version;
    last_flags_ = h->nlmsg_flags;
    last_attrs_.clear();
    for (int a : {DEVLINK_ATTR_PORT_INDEX, DEVLINK_ATTR_PORT_SPLIT_COUNT})
      if (tb[a] != nullptr) last_attrs_[a] = nla_get_u32(tb[a]);
    if (tb[DEVLINK_ATTR_BUS_NAME] != nullptr) last_bus_ = nla_get_string(tb[DEVLINK_ATTR_BUS_NAME]);
    if (tb[DEVLINK_ATTR_DEV_NAME] != nullptr) last_dev_ = nla_get_string(tb[DEVLINK_ATTR_DEV_NAME]);
    const std::uint32_t seq = h->nlmsg_seq;
    switch (g->cmd) {
      case DEVLINK_CMD_PORT_GET: {
        std::vector<std::uint8_t> first;
        for (const auto& [index, p] : ports_) append(first, port_message(seq, index, p));
        queue_.push_back(first);
        queue_.push_back(done(seq));  // NLMSG_DONE in its own datagram
        break;
      }
      case DEVLINK_CMD_PORT_SPLIT: {
        const std::uint32_t index = last_attrs_[DEVLINK_ATTR_PORT_INDEX];
        const std::uint32_t count = last_attrs_[DEVLINK_ATTR_PORT_SPLIT_COUNT];
        auto it = ports_.find(index);
        if (it == ports_.end()) return queue(error_message(seq, -ENODEV, "Port does not exist"));
        if (!it->second.splittable)
          return queue(error_message(seq, -EINVAL,
                                     it->second.subport ? "Port cannot be split further" : "Port cannot be split"));
        if (count < 2 || (count & (count - 1)) != 0 || count > it->second.lanes)
          return queue(error_message(seq, -EINVAL, "Invalid split count"));
        const FakePort base = it->second;
        ports_.erase(it);
        for (std::uint32_t s = 0; s < count; ++s)
          ports_[100 * base.number + s] = {fmt::format("{}s{}", base.netdev, s), base.number, base.lanes / count, false,
                                           s};
        queue_.push_back(ack(seq));
        break;
      }
      case DEVLINK_CMD_PORT_UNSPLIT: {
        auto it = ports_.find(last_attrs_[DEVLINK_ATTR_PORT_INDEX]);
        if (it == ports_.end()) return queue(error_message(seq, -ENODEV, "Port does not exist"));
        if (!it->second.subport) return queue(error_message(seq, -EINVAL, "Port was not split"));
        const std::uint32_t number = it->second.number;
        std::erase_if(ports_, [&](const auto& kv) { return kv.second.number == number; });
        ports_[number] = {fmt::format("swp{}", number), number, 4, true, std::nullopt};
        queue_.push_back(ack(seq));
        break;
      }
      case DEVLINK_CMD_INFO_GET: {
        Msg m = reply(seq, DEVLINK_CMD_INFO_GET, 0);
        nla_put_string(m.get(), DEVLINK_ATTR_BUS_NAME, kBus);
        nla_put_string(m.get(), DEVLINK_ATTR_DEV_NAME, kDev);
        nla_put_string(m.get(), DEVLINK_ATTR_INFO_DRIVER_NAME, "mlxsw_spectrum4");
        nla_put_string(m.get(), DEVLINK_ATTR_INFO_SERIAL_NUMBER, "MT2420X00123");
        for (auto [name, value] : {std::pair{"fw.psid", "MT_0000000921"}, std::pair{"fw.version", "34.2012.1068"}}) {
          nlattr* v = nla_nest_start(m.get(), DEVLINK_ATTR_INFO_VERSION_RUNNING);
          nla_put_string(m.get(), DEVLINK_ATTR_INFO_VERSION_NAME, name);
          nla_put_string(m.get(), DEVLINK_ATTR_INFO_VERSION_VALUE, value);
          nla_nest_end(m.get(), v);
        }
        std::vector<std::uint8_t> d = bytes(m);
        append(d, ack(seq));
        queue_.push_back(d);
        break;
      }
      default: return queue(error_message(seq, -EOPNOTSUPP, ""));
    }
    return ok_status();
  }

  Result<std::vector<std::uint8_t>> receive() override {
    if (queue_.empty()) return error(Code::internal, "the fake kernel has nothing to say");
    auto d = queue_.front();
    queue_.erase(queue_.begin());
    return d;
  }

  std::uint8_t last_cmd_ = 0, last_version_ = 0;
  std::uint16_t last_flags_ = 0;
  std::map<int, std::uint32_t> last_attrs_;
  std::string last_bus_, last_dev_;

 private:
  struct Free {
    void operator()(nl_msg* m) const noexcept { nlmsg_free(m); }
  };
  using Msg = std::unique_ptr<nl_msg, Free>;

  static Msg reply(std::uint32_t seq, std::uint8_t cmd, int flags) {
    Msg m(nlmsg_alloc());
    genlmsg_put(m.get(), 0, seq, kFamily, 0, flags, cmd, DEVLINK_GENL_VERSION);
    return m;
  }
  static std::vector<std::uint8_t> bytes(const Msg& m) {
    nlmsghdr* h = nlmsg_hdr(m.get());
    const auto* b = reinterpret_cast<const std::uint8_t*>(h);
    return {b, b + NLMSG_ALIGN(h->nlmsg_len)};
  }
  static void append(std::vector<std::uint8_t>& to, const std::vector<std::uint8_t>& more) {
    to.insert(to.end(), more.begin(), more.end());
  }
  static std::vector<std::uint8_t> port_message(std::uint32_t seq, std::uint32_t index, const FakePort& p) {
    Msg m = reply(seq, DEVLINK_CMD_PORT_NEW, NLM_F_MULTI);
    nla_put_string(m.get(), DEVLINK_ATTR_BUS_NAME, kBus);
    nla_put_string(m.get(), DEVLINK_ATTR_DEV_NAME, kDev);
    nla_put_u32(m.get(), DEVLINK_ATTR_PORT_INDEX, index);
    nla_put_u16(m.get(), DEVLINK_ATTR_PORT_TYPE, DEVLINK_PORT_TYPE_ETH);
    nla_put_string(m.get(), DEVLINK_ATTR_PORT_NETDEV_NAME, p.netdev.c_str());
    nla_put_u16(m.get(), DEVLINK_ATTR_PORT_FLAVOUR, DEVLINK_PORT_FLAVOUR_PHYSICAL);
    nla_put_u32(m.get(), DEVLINK_ATTR_PORT_NUMBER, p.number);
    if (p.subport) {
      nla_put_u32(m.get(), DEVLINK_ATTR_PORT_SPLIT_GROUP, p.number);
      nla_put_u32(m.get(), DEVLINK_ATTR_PORT_SPLIT_SUBPORT_NUMBER, *p.subport);
    }
    nla_put_u32(m.get(), DEVLINK_ATTR_PORT_LANES, p.lanes);
    nla_put_u8(m.get(), DEVLINK_ATTR_PORT_SPLITTABLE, p.splittable ? 1 : 0);
    return bytes(m);
  }
  static std::vector<std::uint8_t> control(std::uint32_t seq, int type, int flags, const void* body, std::size_t size,
                                           const char* extack) {
    Msg m(nlmsg_alloc_simple(type, flags));
    nlmsg_hdr(m.get())->nlmsg_seq = seq;
    nlmsg_append(m.get(), const_cast<void*>(body), size, NLMSG_ALIGNTO);
    if (extack != nullptr && *extack != '\0') nla_put_string(m.get(), NLMSGERR_ATTR_MSG, extack);
    return bytes(m);
  }
  static std::vector<std::uint8_t> ack(std::uint32_t seq) {
    nlmsgerr e{};
    e.msg.nlmsg_seq = seq;
    return control(seq, NLMSG_ERROR, NLM_F_CAPPED, &e, sizeof e, nullptr);
  }
  static std::vector<std::uint8_t> error_message(std::uint32_t seq, int err, const char* extack) {
    nlmsgerr e{};
    e.error = err;
    e.msg.nlmsg_seq = seq;
    return control(seq, NLMSG_ERROR, NLM_F_CAPPED | (*extack != '\0' ? NLM_F_ACK_TLVS : 0), &e, sizeof e, extack);
  }
  static std::vector<std::uint8_t> done(std::uint32_t seq) {
    const int zero = 0;
    return control(seq, NLMSG_DONE, NLM_F_MULTI, &zero, sizeof zero, nullptr);
  }
  Status queue(std::vector<std::uint8_t> d) {
    queue_.push_back(std::move(d));
    return ok_status();
  }

  std::map<std::uint32_t, FakePort> ports_;
  std::vector<std::uint8_t> last_;
  std::vector<std::vector<std::uint8_t>> queue_;
};

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
