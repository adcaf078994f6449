// Events: subscribe through a file descriptor in the caller's own epoll loop, inject a laser
// failure on the simulator, and print what arrives.
//
//   events [URI] [ELS/LASER]     defaults: sim://cpo144 els9/1
#include <sys/epoll.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include <cpo/sdk/switch.h>

int main(int argc, char** argv) {
  const std::string uri = argc > 1 ? argv[1] : "sim://cpo144";
  const std::string which = argc > 2 ? argv[2] : "els9/1";
  auto opened = cpo::Switch::open(uri);
  if (!opened) {
    std::fprintf(stderr, "open %s: %s\n", uri.c_str(), opened.status().to_string().c_str());
    return 4;
  }
  cpo::Switch& sw = **opened;
  auto ref = sw.resolve(which);
  if (!ref || !std::holds_alternative<cpo::LaserRef>(*ref)) {
    std::fprintf(stderr, "%s is not a laser\n", which.c_str());
    return 3;
  }
  const cpo::LaserRef laser = std::get<cpo::LaserRef>(*ref);

  // The ports this laser lights: bring them up so their links can go down.
  auto impacted = sw.platform().impacted_ports(laser);
  if (!impacted) return 4;
  for (const auto& lp : *impacted) (void)sw.set_admin(lp.port, cpo::AdminState::up);
  sw.sleep_for(std::chrono::seconds(3));

  // Everything about the laser's ELS and the ports it lights.
  cpo::sdk::EventFilter filter;
  filter.objects.push_back(laser.els);
  for (const auto& lp : *impacted) filter.objects.push_back(lp.port);
  auto sub = sw.subscribe(filter);
  if (!sub) {
    std::fprintf(stderr, "subscribe: %s\n", sub.status().to_string().c_str());
    return 4;
  }
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, sub->fd(), &ev);

  if (auto* sim = sw.simulator()) {
    std::printf("injecting a failure of %s\n", which.c_str());
    (void)sim->fail_laser(laser);
    sw.sleep_for(std::chrono::milliseconds(500));
  }

  // The caller's loop: wait on the fd, drain, print. Stop after a quiet second.
  std::vector<cpo::Event> events;
  for (;;) {
    epoll_event out{};
    if (epoll_wait(ep, &out, 1, 1000) <= 0) break;
    events.clear();
    sub->read(events);
    for (const auto& e : events) std::printf("event: %s\n", cpo::to_string(e).c_str());
  }
  ::close(ep);
  return 0;
}
