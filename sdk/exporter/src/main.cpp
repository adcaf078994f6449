// cpo-exporter: serves /metrics over HTTP for one or more switches (any device URI), from the
// facade's Prometheus rendering (docs/telemetry.md, "cpo-exporter").
//
//   cpo-exporter --device simd:///run/cposim/sw0.sock [--device leaf1=simd://leaf1 ...]
//                [--listen 127.0.0.1:9464] [--gzip]
//
// Exit codes (cpo/sdk/exit_codes.h): 0 stopped by SIGTERM/SIGINT, 2 usage, 3 invalid input,
// 4 a device could not be opened or the address could not be bound.
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>

#include "cpo/sdk/exit_codes.h"
#include "exporter.h"

namespace {

using cpo::Code;
using cpo::Status;

int fail(const Status& s) {
  (void)std::fprintf(stderr, "cpo-exporter: %s\n", s.to_string().c_str());
  return static_cast<int>(cpo::sdk::exit_code_for(s.code()));
}

// "127.0.0.1:9464", "[::1]:9464", "localhost:0" (any free port).
cpo::Result<std::pair<std::string, int>> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  const auto bad = [&] {
    return cpo::error(Code::invalid_argument,
                      "--listen " + text + ": expected HOST:PORT with PORT 0..65535 (e.g. 127.0.0.1:9464, [::1]:9464)");
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return bad();
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return bad();
  return std::make_pair(host, port);
}

int run(const std::vector<std::string>& device_args, const std::string& listen, bool gzip) {
  std::vector<cpo::exporter::DeviceSpec> specs;
  for (std::size_t i = 0; i < device_args.size(); ++i) {
    auto d = cpo::exporter::parse_device(device_args[i], i);
    if (!d) return fail(d.status());
    specs.push_back(*d);
  }
  auto where = parse_listen(listen);
  if (!where) return fail(where.status());

  // SIGTERM / SIGINT stop the server; the mask is inherited by every thread started below.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  ::pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  (void)std::signal(SIGPIPE, SIG_IGN);

  auto exporter = cpo::exporter::Exporter::open(specs);
  if (!exporter) return fail(exporter.status());

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(4); };
  server.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    if (!gzip) {
      // Serve uncompressed: gzip of a 1.4 MB exposition costs about twice the scrape itself.
      // httplib decides from the request's Accept-Encoding after this handler; the request
      // object is httplib's own non-const local, so removing the header is well defined.
      const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    }
    res.set_content((*exporter)->scrape(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("cpo-exporter: metrics at /metrics (docs/telemetry.md)\n", "text/plain; charset=utf-8");
  });

  int port = where->second;
  if (port == 0) {
    port = server.bind_to_any_port(where->first);
    if (port < 0) return fail(cpo::error(Code::io_error, "--listen " + listen + ": cannot bind"));
  } else if (!server.bind_to_port(where->first, port)) {
    return fail(cpo::error(Code::io_error, "--listen " + listen + ": cannot bind (address in use or not local)"));
  }
  std::string shown = where->first.find(':') != std::string::npos ? "[" + where->first + "]" : where->first;
  (void)std::printf("cpo-exporter: serving http://%s:%d/metrics for %zu switch(es)\n", shown.c_str(), port,
                    (*exporter)->size());
  (void)std::fflush(stdout);

  std::atomic<bool> done{false};
  std::thread signals([&] {
    const timespec tick{0, 200'000'000};
    while (!done.load()) {
      if (::sigtimedwait(&mask, nullptr, &tick) > 0) {
        server.stop();
        return;
      }
    }
  });
  const bool ok = server.listen_after_bind();
  done.store(true);
  signals.join();
  if (!ok && server.is_running()) return fail(cpo::error(Code::io_error, "the HTTP server stopped unexpectedly"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"cpo-exporter: Prometheus metrics of CPO switches over HTTP"};
    app.footer(
        "Each scrape takes one snapshot of every switch. Metric names: docs/telemetry.md.\n"
        "Exit codes: 0 stopped by a signal, 2 usage, 3 invalid input, 4 device error, 5 refused.");
    std::vector<std::string> devices;
    std::string listen = "127.0.0.1:9464";
    bool gzip = false;
    app.add_option("--device", devices, "[NAME=]URI of a switch (repeatable; NAME is its `switch` label)")->required();
    app.add_option("--listen", listen, "HOST:PORT to serve on (port 0: any free port)")->capture_default_str();
    app.add_flag("--gzip", gzip, "compress responses when the scraper accepts gzip (costs CPU per scrape)");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      return code == 0 ? 0 : 2;
    }
    return run(devices, listen, gzip);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "cpo-exporter: internal error: %s\n", e.what());
    return 1;
  }
}
