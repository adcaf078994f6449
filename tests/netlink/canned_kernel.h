// Canned kernels for the netlink tests: generic-netlink families this test machine's kernel
// lacks (devlink) or veth cannot answer (ethtool module EEPROM). Each answers requests with
// messages built after the family's netlink specification (Documentation/netlink/specs/
// devlink.yaml and ethtool.yaml; attribute numbers from <linux/devlink.h> and
// <linux/ethtool_netlink.h>): replies, acks, NLMSG_DONE, and errors with an extended ack.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <linux/devlink.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <fmt/format.h>

#include "cpo/drivers/netlink/devlink.h"
#include "cpo/drivers/netlink/genl_transport.h"
#include "cpo/hal/cmis/memory_map.h"

namespace cpo::netlink::canned {

constexpr std::uint16_t kFamily = 0x1d;  // whatever the controller would have said
const char* const kBus = "pci";
const char* const kDev = "0000:03:00.0";

// Messages as the kernel builds them, shared by the fake devlink and ethtool families below.
struct FreeMsg {
  void operator()(nl_msg* m) const noexcept { nlmsg_free(m); }
};
using Msg = std::unique_ptr<nl_msg, FreeMsg>;

inline std::vector<std::uint8_t> bytes(const Msg& m) {
  nlmsghdr* h = nlmsg_hdr(m.get());
  const auto* b = reinterpret_cast<const std::uint8_t*>(h);
  return {b, b + NLMSG_ALIGN(h->nlmsg_len)};
}
// A control message (NLMSG_ERROR or NLMSG_DONE) with `body`, and the extended-ack text when
// given.
inline std::vector<std::uint8_t> control(std::uint32_t seq, int type, int flags, const void* body, std::size_t size,
                                         const char* extack) {
  Msg m(nlmsg_alloc_simple(type, flags));
  nlmsg_hdr(m.get())->nlmsg_seq = seq;
  nlmsg_append(m.get(), const_cast<void*>(body), size, NLMSG_ALIGNTO);
  if (extack != nullptr && *extack != '\0') nla_put_string(m.get(), NLMSGERR_ATTR_MSG, extack);
  return bytes(m);
}
inline std::vector<std::uint8_t> ack(std::uint32_t seq) {
  nlmsgerr e{};
  e.msg.nlmsg_seq = seq;
  return control(seq, NLMSG_ERROR, NLM_F_CAPPED, &e, sizeof e, nullptr);
}
inline std::vector<std::uint8_t> error_message(std::uint32_t seq, int err, const char* extack) {
  nlmsgerr e{};
  e.error = err;
  e.msg.nlmsg_seq = seq;
  return control(seq, NLMSG_ERROR, NLM_F_CAPPED | (*extack != '\0' ? NLM_F_ACK_TLVS : 0), &e, sizeof e, extack);
}
inline std::vector<std::uint8_t> done(std::uint32_t seq) {
  const int zero = 0;
  return control(seq, NLMSG_DONE, NLM_F_MULTI, &zero, sizeof zero, nullptr);
}

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
  void set_splittable(std::uint32_t number, bool splittable) { ports_[number].splittable = splittable; }
  // What the kernel does to netdevs besides answering: a split replaces the port's netdev by
  // one per sub-port, an unsplit restores it (tests make real veths so the driver finds them).
  std::function<void(const std::string& netdev, std::uint32_t count)> on_split;
  std::function<void(std::uint32_t number)> on_unsplit;

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
    history_.emplace_back(last_cmd_, last_attrs_);
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
        if (on_split) on_split(base.netdev, count);
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
        if (on_unsplit) on_unsplit(number);
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
  // Every request: its command and u32 attributes (port index, split count).
  std::vector<std::pair<std::uint8_t, std::map<int, std::uint32_t>>> history_;
  [[nodiscard]] const std::pair<std::uint8_t, std::map<int, std::uint32_t>>* last_change() const {
    for (auto it = history_.rbegin(); it != history_.rend(); ++it)
      if (it->first != DEVLINK_CMD_PORT_GET) return &*it;
    return nullptr;
  }
  std::string last_bus_, last_dev_;

 private:
  static Msg reply(std::uint32_t seq, std::uint8_t cmd, int flags) {
    Msg m(nlmsg_alloc());
    genlmsg_put(m.get(), 0, seq, kFamily, 0, flags, cmd, DEVLINK_GENL_VERSION);
    return m;
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
  Status queue(std::vector<std::uint8_t> d) {
    queue_.push_back(std::move(d));
    return ok_status();
  }

  std::map<std::uint32_t, FakePort> ports_;
  std::vector<std::uint8_t> last_;
  std::vector<std::vector<std::uint8_t>> queue_;
};

// The ethtool family answering ETHTOOL_MSG_MODULE_EEPROM_GET from a module's memory map, as
// net/ethtool/eeprom.c does: lower memory only as page 0 bank 0, one half page per request.
class FakeEthtool final : public GenlTransport {
 public:
  static constexpr std::uint16_t kFamily = 0x15;
  explicit FakeEthtool(cmis::MemoryMap module) : module_(std::move(module)) {}

  struct Request {
    std::string dev;
    std::uint32_t offset = 0, length = 0;
    std::uint8_t page = 0, bank = 0, i2c = 0;
  };
  std::vector<Request> requests;

  Status send(std::span<const std::uint8_t> message) override {
    std::vector<std::uint8_t> m(message.begin(), message.end());
    auto* h = reinterpret_cast<nlmsghdr*>(m.data());
    auto* g = static_cast<genlmsghdr*>(nlmsg_data(h));
    nlattr* tb[ETHTOOL_A_MODULE_EEPROM_MAX + 1] = {};
    if (genlmsg_parse(h, 0, tb, ETHTOOL_A_MODULE_EEPROM_MAX, nullptr) != 0) return error(Code::internal, "bad request");
    const std::uint32_t seq = h->nlmsg_seq;
    if (g->cmd != ETHTOOL_MSG_MODULE_EEPROM_GET) return queue(error_message(seq, -EOPNOTSUPP, ""));
    Request r;
    if (tb[ETHTOOL_A_MODULE_EEPROM_HEADER] != nullptr) {
      nlattr* hdr[ETHTOOL_A_HEADER_MAX + 1] = {};
      nla_parse_nested(hdr, ETHTOOL_A_HEADER_MAX, tb[ETHTOOL_A_MODULE_EEPROM_HEADER], nullptr);
      if (hdr[ETHTOOL_A_HEADER_DEV_NAME] != nullptr) r.dev = nla_get_string(hdr[ETHTOOL_A_HEADER_DEV_NAME]);
    }
    auto u32 = [&](int a) { return tb[a] != nullptr ? nla_get_u32(tb[a]) : 0u; };
    auto u8 = [&](int a) { return tb[a] != nullptr ? nla_get_u8(tb[a]) : std::uint8_t{0}; };
    r.offset = u32(ETHTOOL_A_MODULE_EEPROM_OFFSET);
    r.length = u32(ETHTOOL_A_MODULE_EEPROM_LENGTH);
    r.page = u8(ETHTOOL_A_MODULE_EEPROM_PAGE);
    r.bank = u8(ETHTOOL_A_MODULE_EEPROM_BANK);
    r.i2c = u8(ETHTOOL_A_MODULE_EEPROM_I2C_ADDRESS);
    requests.push_back(r);
    // The kernel's own checks (eeprom.c eeprom_parse_request), with its extack words.
    if (r.offset + r.length > 256 || (r.offset < 128 && r.offset + r.length > 128))
      return queue(error_message(seq, -EINVAL, "reading cross half page boundary is illegal"));
    if (r.page != 0 && r.offset < 128)
      return queue(error_message(seq, -EINVAL, "reading from lower half page is allowed for page 0 only"));
    const cmis::PageBytes* page = r.offset < 128 ? module_.lower() : module_.upper(r.page, r.bank);
    if (page == nullptr) return queue(error_message(seq, -EINVAL, "page not present in this module"));
    const std::size_t base = r.offset < 128 ? r.offset : r.offset - 128;
    Msg reply(nlmsg_alloc());
    genlmsg_put(reply.get(), 0, seq, kFamily, 0, 0, ETHTOOL_MSG_MODULE_EEPROM_GET_REPLY, ETHTOOL_GENL_VERSION);
    nla_put(reply.get(), ETHTOOL_A_MODULE_EEPROM_DATA, static_cast<int>(r.length), page->data() + base);
    auto d = bytes(reply);
    auto a = ack(seq);
    d.insert(d.end(), a.begin(), a.end());
    return queue(d);
  }
  Result<std::vector<std::uint8_t>> receive() override {
    if (queue_.empty()) return error(Code::internal, "the fake kernel has nothing to say");
    auto d = queue_.front();
    queue_.erase(queue_.begin());
    return d;
  }

 private:
  Status queue(std::vector<std::uint8_t> d) {
    queue_.push_back(std::move(d));
    return ok_status();
  }
  cmis::MemoryMap module_;
  std::vector<std::vector<std::uint8_t>> queue_;
};

}  // namespace cpo::netlink::canned
