#include "pgwire/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "common/error.hpp"

namespace mallard::pgwire {
namespace {

namespace fs = std::filesystem;

struct SslCtxFree {
  void operator()(SSL_CTX *ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL *ssl) const { SSL_free(ssl); }
};
struct X509Free {
  void operator()(X509 *cert) const { X509_free(cert); }
};
struct FileClose {
  void operator()(FILE *file) const { std::fclose(file); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string read_text(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

X509Ptr read_certificate(const fs::path &path) {
  std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "r"));
  if (!file) return nullptr;
  return X509Ptr(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A failed handshake may write an alert to a closed socket.
    std::signal(SIGPIPE, SIG_IGN);
    std::string pattern = (fs::temp_directory_path() / "mallard-tls-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

struct Sockets {
  int fds[2] = {-1, -1};
  Sockets() { EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  ~Sockets() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
};

// Runs the server side on another thread while the client connects; returns {server ok, client ok}.
std::pair<bool, bool> handshake(SSL *server, SSL *client) {
  auto server_result = std::async(std::launch::async, [server] { return SSL_accept(server) == 1; });
  bool client_ok = SSL_connect(client) == 1;
  if (!client_ok) ERR_clear_error();
  bool server_ok = server_result.get();
  return {server_ok, client_ok};
}

SslCtxPtr verifying_client_context(const std::string &ca_file) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  EXPECT_EQ(SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr), 1);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

TEST_F(TlsTest, GeneratesSelfSignedCertificate) {
  TlsContext tls(dir_.string(), "", "");
  fs::path cert = dir_ / "server.crt";
  fs::path key = dir_ / "server.key";
  EXPECT_EQ(tls.cert_path(), cert.string());
  ASSERT_TRUE(fs::exists(cert));
  ASSERT_TRUE(fs::exists(key));

  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_TRUE(read_text(key).starts_with("-----BEGIN PRIVATE KEY-----"));
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 2);

  X509Ptr x509 = read_certificate(cert);
  ASSERT_TRUE(x509);
  char common_name[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509.get()), NID_commonName, common_name, sizeof(common_name));
  EXPECT_STREQ(common_name, "mallard");
  EXPECT_EQ(X509_check_host(x509.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(x509.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(x509.get(), "example.com", 0, 0, nullptr), 0);

  int days = 0, seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(x509.get()), X509_get0_notAfter(x509.get())), 1);
  EXPECT_GE(days, 3650);
  EXPECT_LE(days, 3653);
  EXPECT_EQ(X509_cmp_current_time(X509_get0_notBefore(x509.get())), -1) << "must already be valid";
}

TEST_F(TlsTest, ReusesGeneratedCertificate) {
  std::string first_cert, first_key;
  {
    TlsContext tls(dir_.string(), "", "");
    first_cert = read_text(tls.cert_path());
    first_key = read_text(dir_ / "server.key");
  }
  TlsContext again(dir_.string(), "", "");
  EXPECT_EQ(read_text(again.cert_path()), first_cert);
  EXPECT_EQ(read_text(dir_ / "server.key"), first_key);
}

TEST_F(TlsTest, HandshakeOverSocketPair) {
  TlsContext tls(dir_.string(), "", "");
  SslCtxPtr client_ctx = verifying_client_context(tls.cert_path());

  Sockets sockets;
  SslPtr server(tls.new_ssl(sockets.fds[0]));
  ASSERT_TRUE(server);
  SslPtr client(SSL_new(client_ctx.get()));
  SSL_set_fd(client.get(), sockets.fds[1]);
  // Verify the name the way libpq's sslmode=verify-full does.
  SSL_set_tlsext_host_name(client.get(), "localhost");
  ASSERT_EQ(SSL_set1_host(client.get(), "localhost"), 1);

  auto [server_ok, client_ok] = handshake(server.get(), client.get());
  ASSERT_TRUE(server_ok);
  ASSERT_TRUE(client_ok);
  EXPECT_EQ(SSL_get_verify_result(client.get()), X509_V_OK);
  EXPECT_GE(SSL_version(client.get()), TLS1_2_VERSION);

  ASSERT_EQ(SSL_write(client.get(), "ping", 4), 4);
  char buffer[8] = {};
  ASSERT_EQ(SSL_read(server.get(), buffer, sizeof(buffer)), 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
  ASSERT_EQ(SSL_write(server.get(), "pong", 4), 4);
  ASSERT_EQ(SSL_read(client.get(), buffer, sizeof(buffer)), 4);
  EXPECT_EQ(std::string(buffer, 4), "pong");
}

TEST_F(TlsTest, SelectsPostgresqlAlpn) {
  TlsContext tls(dir_.string(), "", "");
  SslCtxPtr client_ctx = verifying_client_context(tls.cert_path());
  static const unsigned char kProtocols[] = "\x0apostgresql";
  ASSERT_EQ(SSL_CTX_set_alpn_protos(client_ctx.get(), kProtocols, sizeof(kProtocols) - 1), 0);

  Sockets sockets;
  SslPtr server(tls.new_ssl(sockets.fds[0]));
  SslPtr client(SSL_new(client_ctx.get()));
  SSL_set_fd(client.get(), sockets.fds[1]);
  auto [server_ok, client_ok] = handshake(server.get(), client.get());
  ASSERT_TRUE(server_ok && client_ok);
  const unsigned char *selected = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(client.get(), &selected, &length);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(selected), length), "postgresql");
}

TEST_F(TlsTest, RefusesTls11) {
  TlsContext tls(dir_.string(), "", "");
  SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  // Security level 0 lets this client offer TLS 1.1 at all, so that the server is what refuses it.
  SSL_CTX_set_security_level(client_ctx.get(), 0);
  SSL_CTX_set_min_proto_version(client_ctx.get(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(client_ctx.get(), TLS1_1_VERSION);

  Sockets sockets;
  SslPtr server(tls.new_ssl(sockets.fds[0]));
  SslPtr client(SSL_new(client_ctx.get()));
  SSL_set_fd(client.get(), sockets.fds[1]);
  auto server_result = std::async(std::launch::async, [&] {
    bool ok = SSL_accept(server.get()) == 1;
    // Unblock the client if the server side gives up first.
    ::shutdown(sockets.fds[0], SHUT_RDWR);
    return ok;
  });
  EXPECT_NE(SSL_connect(client.get()), 1);
  EXPECT_FALSE(server_result.get());
  ERR_clear_error();
}

TEST_F(TlsTest, LoadsConfiguredFiles) {
  fs::path generated = dir_ / "generated";
  fs::create_directory(generated);
  { TlsContext tls(generated.string(), "", ""); }
  fs::path cert = dir_ / "custom.crt";
  fs::path key = dir_ / "custom.key";
  fs::rename(generated / "server.crt", cert);
  fs::rename(generated / "server.key", key);

  fs::path empty_data_dir = dir_ / "data";
  fs::create_directory(empty_data_dir);
  TlsContext tls(empty_data_dir.string(), cert.string(), key.string());
  EXPECT_EQ(tls.cert_path(), cert.string());
  EXPECT_TRUE(fs::is_empty(empty_data_dir)) << "configured files must not trigger generation";

  SslCtxPtr client_ctx = verifying_client_context(cert.string());
  Sockets sockets;
  SslPtr server(tls.new_ssl(sockets.fds[0]));
  SslPtr client(SSL_new(client_ctx.get()));
  SSL_set_fd(client.get(), sockets.fds[1]);
  auto [server_ok, client_ok] = handshake(server.get(), client.get());
  EXPECT_TRUE(server_ok && client_ok);
}

template <typename F>
Error expect_error(F &&f) {
  try {
    f();
  } catch (const Error &e) {
    return e;
  }
  ADD_FAILURE() << "expected mallard::Error";
  return Error("", "");
}

TEST_F(TlsTest, ReportsUnreadableFiles) {
  std::string missing = (dir_ / "missing.crt").string();
  Error error = expect_error([&] { TlsContext tls(dir_.string(), missing, (dir_ / "missing.key").string()); });
  EXPECT_EQ(error.sqlstate(), sqlstate::kIoError);
  EXPECT_NE(error.message().find(missing), std::string::npos) << error.message();

  // A file that is not PEM.
  std::ofstream(dir_ / "garbage.crt") << "not a certificate\n";
  std::ofstream(dir_ / "garbage.key") << "not a key\n";
  error = expect_error(
      [&] { TlsContext tls(dir_.string(), (dir_ / "garbage.crt").string(), (dir_ / "garbage.key").string()); });
  EXPECT_EQ(error.sqlstate(), sqlstate::kIoError);
  EXPECT_NE(error.message().find("garbage.crt"), std::string::npos) << error.message();
}

TEST_F(TlsTest, ReportsMismatchedKey) {
  fs::path a = dir_ / "a";
  fs::path b = dir_ / "b";
  fs::create_directory(a);
  fs::create_directory(b);
  { TlsContext tls(a.string(), "", ""); }
  { TlsContext tls(b.string(), "", ""); }
  Error error = expect_error(
      [&] { TlsContext tls(dir_.string(), (a / "server.crt").string(), (b / "server.key").string()); });
  EXPECT_EQ(error.sqlstate(), sqlstate::kIoError);
  EXPECT_NE(error.message().find("does not match"), std::string::npos) << error.message();
}

TEST_F(TlsTest, ReportsUnwritableDataDirectory) {
  std::string nowhere = (dir_ / "does-not-exist").string();
  Error error = expect_error([&] { TlsContext tls(nowhere, "", ""); });
  EXPECT_EQ(error.sqlstate(), sqlstate::kIoError);
  EXPECT_NE(error.message().find(nowhere), std::string::npos) << error.message();
}

TEST_F(TlsTest, RefusesHalfOfAGeneratedPair) {
  { TlsContext tls(dir_.string(), "", ""); }
  fs::remove(dir_ / "server.crt");
  Error error = expect_error([&] { TlsContext tls(dir_.string(), "", ""); });
  EXPECT_EQ(error.sqlstate(), sqlstate::kIoError);
  EXPECT_NE(error.message().find("server.key"), std::string::npos) << error.message();
  EXPECT_FALSE(fs::exists(dir_ / "server.crt")) << "an existing key must not be silently replaced";
}

TEST_F(TlsTest, RequiresCertificateAndKeyTogether) {
  Error error = expect_error([&] { TlsContext tls(dir_.string(), (dir_ / "x.crt").string(), ""); });
  EXPECT_FALSE(error.sqlstate().empty());
  EXPECT_FALSE(fs::exists(dir_ / "server.crt"));
}

}  // namespace
}  // namespace mallard::pgwire
