#pragma once
// Tests of tools/faultproxy: a real PostgreSQL 15 (SERIALIZABLE by default, as the cockroachdb
// flavor's tests run it), started once per suite, with an in-process proxy in front of it per test.

#include <memory>
#include <string>
#include <string_view>

#include "faultproxy/proxy.hpp"
#include "support/server.hpp"

namespace mallard::it {

inline constexpr const char *kRestartPrefix = "restart transaction: TransactionRetryWithProtoRefreshError: ";

class FaultProxyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.real_postgres = true;
    o.postgres_conf = {"default_transaction_isolation = 'serializable'"};
    pg_ = std::make_unique<Server>(o);
    pg_->start();
  }
  static void TearDownTestSuite() { pg_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(pg_ != nullptr);
    ASSERT_TRUE(pg_->running()) << "PostgreSQL did not start: " << pg_->failure();
  }
  void TearDown() override { proxy_.reset(); }

  static Server &pg() { return *pg_; }

  // (Re)starts this test's proxy in front of the suite's server.
  faultproxy::Proxy &start_proxy(const faultproxy::FaultConfig &faults = {}) {
    faultproxy::ProxyOptions o;
    o.upstream = {"127.0.0.1", pg_->port()};
    o.faults = faults;
    proxy_ = std::make_unique<faultproxy::Proxy>(o);
    proxy_->start();
    return *proxy_;
  }
  faultproxy::Proxy &proxy() { return *proxy_; }

  // libpq connection string through the proxy; `extra` overrides.
  std::string via_proxy(std::string_view extra = {}) const {
    return pg_->conninfo("port=" + std::to_string(proxy_->port()) + " " + std::string(extra));
  }
  Conn through_proxy(std::string_view extra = {}) { return connect_info(via_proxy(extra)); }
  // Straight to PostgreSQL, for checking what really happened on the server.
  Conn direct() { return connect(*pg_); }

  static inline std::unique_ptr<Server> pg_;
  std::unique_ptr<faultproxy::Proxy> proxy_;
};

// Runs `sql` with PQexecParams (the extended protocol) and text parameters.
Result exec_params(PGconn *c, const std::string &sql, const std::vector<std::string> &params = {});

}  // namespace mallard::it
