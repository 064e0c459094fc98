// libFuzzer target: a real Session reads the fuzz input as the bytes a client sends (startup
// packet, authentication, then any messages) over a socket pair. The server must answer or close,
// never crash, hang or leak.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "control/configstore.hpp"
#include "control/warehouse.hpp"
#include "pgwire/auth.hpp"
#include "pgwire/server.hpp"
#include "pgwire/session.hpp"

using namespace mallard;

namespace {

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<control::ConfigStore> store;
  std::unique_ptr<control::Registry> registry;
  std::unique_ptr<pgwire::Server> server;

  Fixture() {
    spdlog::set_level(spdlog::level::off);
    dir = std::filesystem::temp_directory_path() / ("mallard-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    store = std::make_unique<control::ConfigStore>((dir / "config.sqlite").string());
    if (!store->find_warehouse("mallard")) {
      control::WarehouseRecord w;
      w.name = "mallard";
      w.data_path = (dir / "warehouses" / "mallard").string();
      store->create_warehouse(w);
      // Cleartext auth with a fixed password lets the fuzzer get past authentication.
      store->put_user({"mallard", "mallard", pgwire::make_scram_verifier("fuzz")});
    }
    registry = std::make_unique<control::Registry>(*store);
    pgwire::ServerConfig cfg;
    cfg.data_dir = dir.string();
    cfg.auth_method = pgwire::AuthMethod::kPassword;
    cfg.max_message_size = 1 << 20;
    cfg.authentication_timeout_ms = 1000;
    server = std::make_unique<pgwire::Server>(cfg, *registry);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static Fixture fx;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  // The client side writes the input and then drains whatever the server answers.
  std::thread client([&] {
    size_t off = 0;
    while (off < size) {
      ssize_t w = ::send(sv[1], data + off, size - off, MSG_NOSIGNAL);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::shutdown(sv[1], SHUT_WR);
    char buf[65536];
    while (::recv(sv[1], buf, sizeof(buf), 0) > 0) {
    }
    ::close(sv[1]);
  });
  // The session runs on a thread of its own, as in the server: DuckDB keeps thread-local state,
  // and the main thread's would otherwise be destroyed at exit after the databases it refers to.
  std::thread server([&] {
    pgwire::Session session(*fx.server, std::make_unique<pgwire::Stream>(sv[0]), 1);
    session.run();
  });
  server.join();
  client.join();
  return 0;
}
