// The `mallard` binary: `mallard serve` runs the PostgreSQL-wire server on a data directory.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "control/configstore.hpp"
#include "control/warehouse.hpp"
#include "lake/lake.hpp"
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
  // The default warehouse's metadata store: "embedded", or a libpq URI with flavor=postgres|cockroachdb.
  std::string metastore;
  std::string metastore_password_file;
  int metastore_retry_attempts = 0;
  int metastore_retry_max_wait = 0;
  bool verify_refresh = false;
};

// A warehouse declared in the config file as a [warehouses.NAME] section.
struct DeclaredWarehouse {
  std::string name;
  std::map<std::string, std::string> settings;
};

// The config file's reader: CLI11's TOML reader, except that [warehouses.NAME] sections are kept
// aside for the warehouse declarations instead of being taken as options of the server.
class ConfigWithWarehouses : public CLI::ConfigTOML {
 public:
  explicit ConfigWithWarehouses(std::shared_ptr<std::vector<DeclaredWarehouse>> out) : out_(std::move(out)) {}
  std::vector<CLI::ConfigItem> from_config(std::istream &input) const override {
    std::vector<CLI::ConfigItem> kept;
    for (auto &item : CLI::ConfigTOML::from_config(input)) {
      if (item.parents.empty() || item.parents[0] != "warehouses") {
        kept.push_back(std::move(item));
        continue;
      }
      if (item.name == "++" || item.name == "--") continue;  // section markers
      if (item.parents.size() != 2)
        throw CLI::ConversionError("config file: warehouse settings belong in a [warehouses.NAME] section");
      std::string value;
      for (auto &v : item.inputs) value += (value.empty() ? "" : ",") + v;
      DeclaredWarehouse *w = nullptr;
      for (auto &d : *out_)
        if (d.name == item.parents[1]) w = &d;
      if (!w) w = &out_->emplace_back(DeclaredWarehouse{item.parents[1], {}});
      w->settings[item.name] = value;
    }
    return kept;
  }

 private:
  std::shared_ptr<std::vector<DeclaredWarehouse>> out_;
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

int parse_count(const std::string &where, const std::string &key, const std::string &value) {
  try {
    size_t end = 0;
    int n = std::stoi(value, &end);
    if (end == value.size() && n >= 0) return n;
  } catch (...) {
  }
  throw Error(sqlstate::kInvalidParameterValue, where + ": " + key + " must be a non-negative integer, not \"" + value + "\"");
}

// --metastore and the retry settings apply to the default warehouse at every start; without
// --metastore its recorded store stays (embedded when it was created without one).
void configure_default_warehouse(control::ConfigStore &store, const ServeOptions &opts) {
  auto w = store.find_warehouse(kDefaultWarehouse);
  if (!w) return;
  if (!opts.metastore.empty() || !opts.metastore_password_file.empty())
    control::set_metastore(*w, opts.metastore, opts.metastore_password_file);
  if (opts.metastore_retry_attempts > 0) w->retry_attempts = opts.metastore_retry_attempts;
  if (opts.metastore_retry_max_wait > 0) w->retry_max_wait_ms = opts.metastore_retry_max_wait;
  store.update_metastore(*w);
}

// Warehouses from [warehouses.NAME] sections: created on first sight (with the default
// warehouse's owner, so the same user and password reach them), their metadata store and retry
// settings updated at every start.
void declare_warehouses(control::ConfigStore &store, const fs::path &dir, const std::vector<DeclaredWarehouse> &ws) {
  static const char *const kKeys[] = {"metastore", "metastore_password_file", "data_path", "metastore_retry_attempts",
                                      "metastore_retry_max_wait"};
  for (const auto &d : ws) {
    std::string where = "config file, warehouse \"" + d.name + "\"";
    if (d.name.empty() || d.name.find_first_of("/\\") != std::string::npos)
      throw Error(sqlstate::kInvalidParameterValue, where + ": invalid warehouse name");
    for (auto &[k, v] : d.settings)
      if (std::none_of(std::begin(kKeys), std::end(kKeys), [&key = k](const char *ok) { return key == ok; }))
        throw Error(sqlstate::kInvalidParameterValue,
                    where + ": unknown setting \"" + k +
                        "\"; accepted: metastore, metastore_password_file, data_path, metastore_retry_attempts, "
                        "metastore_retry_max_wait");
    auto get = [&](const char *k) {
      auto it = d.settings.find(k);
      return it == d.settings.end() ? std::string() : it->second;
    };
    auto existing = store.find_warehouse(d.name);
    control::WarehouseRecord w = existing ? *existing : control::WarehouseRecord{};
    w.name = d.name;
    try {
      control::set_metastore(w, get("metastore"), get("metastore_password_file"));
    } catch (const Error &e) {
      throw Error(e.sqlstate(), where + ": " + e.message());
    }
    w.retry_attempts = get("metastore_retry_attempts").empty() ? 0 : parse_count(where, "metastore_retry_attempts", get("metastore_retry_attempts"));
    w.retry_max_wait_ms = get("metastore_retry_max_wait").empty() ? 0 : parse_count(where, "metastore_retry_max_wait", get("metastore_retry_max_wait"));
    if (existing) {
      if (!get("data_path").empty() && fs::absolute(get("data_path")).lexically_normal().string() != existing->data_path)
        spdlog::warn("{}: data_path differs from the recorded {}; a warehouse's data path is never moved", where,
                     existing->data_path);
      store.update_metastore(w);
      continue;
    }
    w.data_path = get("data_path").empty() ? (dir / "warehouses" / d.name).string() : get("data_path");
    w.data_path = fs::absolute(w.data_path).lexically_normal().string();
    store.create_warehouse(w);
    if (auto owner = store.find_user(kDefaultWarehouse, kDefaultUser))
      store.put_user({d.name, kDefaultUser, owner->verifier});
    spdlog::info("declared warehouse {} ({} metadata store)", d.name, w.metastore_kind);
  }
}

int serve(const ServeOptions &opts, const std::vector<DeclaredWarehouse> &declared) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("mallard"));
  spdlog::set_level(spdlog::level::from_str(opts.log_level));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  if (opts.verify_refresh) {
    lake::verify_refreshes(true);
    spdlog::warn("--verify-refresh: every snapshot loaded after a commit is checked against a full load");
  }

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
  configure_default_warehouse(store, opts);
  declare_warehouses(store, dir, declared);
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
  serve_opts
      ->add_option("--metastore", opts.metastore,
                   "Metadata store of the default warehouse: embedded, or "
                   "postgresql://user@host:port/db?sslmode=...&flavor=postgres|cockroachdb")
      ->envname("MALLARD_METASTORE");
  serve_opts
      ->add_option("--metastore-password-file", opts.metastore_password_file,
                   "File holding the metadata store's password (read at every connect)")
      ->envname("MALLARD_METASTORE_PASSWORD_FILE");
  serve_opts
      ->add_option("--metastore-retry-attempts", opts.metastore_retry_attempts,
                   "Attempts of one metadata commit before giving up (0: the flavor's default, 12)")
      ->envname("MALLARD_METASTORE_RETRY_ATTEMPTS")
      ->check(CLI::Range(0, 1000));
  serve_opts
      ->add_option("--metastore-retry-max-wait", opts.metastore_retry_max_wait,
                   "Longest wait between two attempts of a metadata commit, in ms (0: the default, 500)")
      ->envname("MALLARD_METASTORE_RETRY_MAX_WAIT")
      ->check(CLI::Range(0, 600000));
  serve_opts
      ->add_flag("--verify-refresh", opts.verify_refresh,
                 "Check every snapshot loaded after a commit against a full load, and stop on a difference "
                 "(slow; for testing)")
      ->envname("MALLARD_VERIFY_REFRESH");
  auto declared = std::make_shared<std::vector<DeclaredWarehouse>>();
  app.config_formatter(std::make_shared<ConfigWithWarehouses>(declared));
  app.allow_config_extras(false);
  CLI11_PARSE(app, argc, argv);
  try {
    if (*serve_cmd) return serve(opts, *declared);
  } catch (const Error &e) {
    std::cerr << "mallard: " << e.what() << std::endl;
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "mallard: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
