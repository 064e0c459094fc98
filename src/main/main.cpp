// The `mallard` binary: `mallard serve` runs the PostgreSQL-wire server on a data directory.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "control/configstore.hpp"
#include "control/warehouse.hpp"
#include "pgwire/auth.hpp"
#include "pgwire/server.hpp"

namespace fs = std::filesystem;
using namespace mallard;

namespace {

constexpr const char *kDefaultWarehouse = "mallard";
constexpr const char *kDefaultUser = "mallard";

struct ServeOptions {
  std::string data_dir = "./mallard-data";
  std::string listen = "127.0.0.1:5433";
  std::string auth_method = "scram-sha-256";
  std::string password_encryption = "scram-sha-256";
  std::string tls_required = "auto";
  std::string tls_cert, tls_key;
  int max_connections = 100;
  std::string log_level = "info";
};

bool loopback_host(const std::string &host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// First start: the default warehouse and its owner. The password comes from MALLARD_PASSWORD or
// is generated, printed once and kept (mode 0600) in the data directory; only a verifier is stored.
void bootstrap(control::ConfigStore &store, const fs::path &dir, const ServeOptions &opts) {
  if (store.find_warehouse(kDefaultWarehouse)) return;
  std::string password;
  if (const char *env = std::getenv("MALLARD_PASSWORD"); env && *env) {
    password = env;
  } else {
    password = pgwire::generate_password();
    auto path = (dir / "initial-password").string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(sqlstate::kIoError, "cannot write " + path);
    std::string line = password + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::fsync(fd);
    ::close(fd);
    if (!ok) throw Error(sqlstate::kIoError, "cannot write " + path);
    std::cerr << "mallard: generated password for user \"" << kDefaultUser << "\": " << password
              << "\nmallard: (also stored in " << path << ")" << std::endl;
  }
  control::WarehouseRecord w;
  w.name = kDefaultWarehouse;
  w.data_path = fs::absolute(dir / "warehouses" / kDefaultWarehouse).lexically_normal().string();
  store.create_warehouse(w);
  std::string verifier = opts.password_encryption == "md5" ? pgwire::make_md5_verifier(password, kDefaultUser)
                                                           : pgwire::make_scram_verifier(password);
  store.put_user({kDefaultWarehouse, kDefaultUser, verifier});
}

int serve(const ServeOptions &opts) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("mallard"));
  spdlog::set_level(spdlog::level::from_str(opts.log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  // Signals are taken by one thread with sigwait, so no other thread is ever interrupted by them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  fs::path dir = fs::absolute(opts.data_dir).lexically_normal();
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);

  pgwire::ServerConfig cfg;
  cfg.data_dir = dir.string();
  auto colon = opts.listen.rfind(':');
  if (colon == std::string::npos) throw Error(sqlstate::kInvalidParameterValue, "--listen must be HOST:PORT");
  cfg.host = opts.listen.substr(0, colon);
  if (cfg.host.size() > 1 && cfg.host.front() == '[' && cfg.host.back() == ']') cfg.host = cfg.host.substr(1, cfg.host.size() - 2);
  cfg.port = std::stoi(opts.listen.substr(colon + 1));
  cfg.auth_method = opts.auth_method == "md5"        ? pgwire::AuthMethod::kMd5
                    : opts.auth_method == "password" ? pgwire::AuthMethod::kPassword
                                                     : pgwire::AuthMethod::kScramSha256;
  cfg.tls_cert = opts.tls_cert;
  cfg.tls_key = opts.tls_key;
  cfg.tls_required = opts.tls_required == "true" || (opts.tls_required == "auto" && !loopback_host(cfg.host));
  cfg.max_connections = opts.max_connections;

  control::ConfigStore store((dir / "config.sqlite").string());
  bootstrap(store, dir, opts);
  control::Registry registry(store);
  int rc = 0;
  {
    pgwire::Server server(cfg, registry);
    server.listen();
    std::thread([&server, sigs] {
      int sig = 0;
      sigwait(&sigs, &sig);
      spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      server.stop();
    }).detach();
    server.run();
  }
  registry.close_all();
  spdlog::info("shut down cleanly");
  return rc;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"Mallard: a PostgreSQL-wire lakehouse server"};
  app.require_subcommand(1);
  ServeOptions opts;
  auto *serve_cmd = app.add_subcommand("serve", "Run the server");
  // Server options live on the top-level app so that a config file names them without a section
  // (`listen = "..."`); the subcommand falls through to them.
  app.set_config("--config", "", "Read options from a TOML/INI file (keys are the option names)")
      ->envname("MALLARD_CONFIG");
  app.fallthrough();
  serve_cmd->fallthrough();
  auto *serve_opts = &app;
  serve_opts->add_option("--data-dir", opts.data_dir, "Data directory")->envname("MALLARD_DATA_DIR")->capture_default_str();
  serve_opts->add_option("--listen", opts.listen, "HOST:PORT to listen on")->envname("MALLARD_LISTEN")->capture_default_str();
  serve_opts->add_option("--auth-method", opts.auth_method, "Password authentication method")
      ->envname("MALLARD_AUTH_METHOD")
      ->check(CLI::IsMember({"scram-sha-256", "md5", "password"}))
      ->capture_default_str();
  serve_opts->add_option("--password-encryption", opts.password_encryption, "Verifier kind for new users")
      ->envname("MALLARD_PASSWORD_ENCRYPTION")
      ->check(CLI::IsMember({"scram-sha-256", "md5"}))
      ->capture_default_str();
  serve_opts->add_option("--tls-required", opts.tls_required, "Require TLS (auto: when not on loopback)")
      ->envname("MALLARD_TLS_REQUIRED")
      ->check(CLI::IsMember({"auto", "true", "false"}))
      ->capture_default_str();
  serve_opts->add_option("--tls-cert", opts.tls_cert, "TLS certificate file (PEM)")->envname("MALLARD_TLS_CERT");
  serve_opts->add_option("--tls-key", opts.tls_key, "TLS private key file (PEM)")->envname("MALLARD_TLS_KEY");
  serve_opts->add_option("--max-connections", opts.max_connections, "Maximum concurrent client connections")
      ->envname("MALLARD_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  serve_opts->add_option("--log-level", opts.log_level, "trace, debug, info, warn, error")
      ->envname("MALLARD_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.allow_config_extras(false);
  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd) return serve(opts);
  } catch (const Error &e) {
    std::cerr << "mallard: " << e.what() << std::endl;
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "mallard: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
