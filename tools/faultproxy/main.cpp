// `faultproxy`: a PostgreSQL-protocol proxy that makes a PostgreSQL server behave like CockroachDB
// towards Mallard's `cockroachdb` metadata-store flavor (see docs/design.md, "faultproxy").
//
//   faultproxy --listen 127.0.0.1:0 --upstream 127.0.0.1:5432 --inject-statement-40001 0.05 --seed 7
//
// Prints "faultproxy listening on HOST:PORT" on stdout once it accepts connections (with port 0,
// the port it chose), and a summary of what it did on stderr when SIGTERM or SIGINT ends it.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "proxy.hpp"

using namespace mallard::faultproxy;

int main(int argc, char **argv) {
  CLI::App app{"PostgreSQL-protocol proxy that makes PostgreSQL behave like CockroachDB and injects faults"};
  std::string listen = "127.0.0.1:0", upstream;
  FaultConfig faults;
  long latency_ms = 0;
  std::string latency_per = "round-trip";
  app.add_option("--listen", listen, "host:port to accept clients on (port 0: any free port)")->capture_default_str();
  app.add_option("--upstream", upstream, "host:port of the PostgreSQL server")->required();
  app.add_option("--inject-statement-40001", faults.statement_restart,
                 "fraction of statements that fail with 40001 instead of running")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--inject-commit-40001", faults.commit_restart,
                 "fraction of COMMITs that fail with 40001 (the transaction is rolled back)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--drop-after-commit", faults.drop_after_commit,
                 "fraction of COMMITs after which the client connection is dropped (the commit happens)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--latency-ms", latency_ms, "delay added before forwarding client messages")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--latency-per", latency_per, "what the delay applies to: round-trip (Query/Sync) or message")
      ->check(CLI::IsMember({"round-trip", "message"}))
      ->capture_default_str();
  app.add_option("--seed", faults.seed, "seed of the fault decisions (same seed, same faults)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  faults.latency = std::chrono::milliseconds(latency_ms);
  faults.latency_unit = latency_per == "message" ? LatencyUnit::kMessage : LatencyUnit::kRoundTrip;

  // Signals are taken by this thread with sigwait; every thread started later inherits the mask,
  // so none of them is ever interrupted by one.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ProxyOptions options;
  try {
    options.listen = parse_endpoint(listen);
    options.upstream = parse_endpoint(upstream);
  } catch (const std::exception &e) {
    std::cerr << "faultproxy: " << e.what() << std::endl;
    return 2;
  }
  options.faults = faults;
  Proxy proxy(options);
  try {
    proxy.start();
  } catch (const std::exception &e) {
    std::cerr << "faultproxy: " << e.what() << std::endl;
    return 1;
  }
  std::cout << "faultproxy listening on " << options.listen.host << ":" << proxy.port() << std::endl;

  int sig = 0;
  sigwait(&sigs, &sig);
  proxy.stop();
  Stats s = proxy.stats();
  std::cerr << "faultproxy: stopped by signal " << sig << "; connections " << s.connections
            << ", refused binary COPY TO " << s.refused_binary_copy << ", refused ctid " << s.refused_ctid
            << ", reworded 40001 " << s.reworded_restarts << ", injected statement 40001 "
            << s.injected_statement_restarts << ", injected COMMIT 40001 " << s.injected_commit_restarts
            << ", dropped after COMMIT " << s.dropped_after_commit << std::endl;
  return 0;
}
