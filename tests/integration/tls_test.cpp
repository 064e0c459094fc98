// TLS: SSLRequest negotiation, the generated self-signed certificate, configured certificates, and
// when plain text is refused.

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "support/process.hpp"
#include "support/server.hpp"
#include "support/wire.hpp"

namespace mallard::it {
namespace {

using namespace std::chrono_literals;

X509 *read_cert(const std::string &path) {
  FILE *f = fopen(path.c_str(), "r");
  if (!f) return nullptr;
  X509 *x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  fclose(f);
  return x;
}

// The certificate the server presented on this libpq connection (caller frees).
X509 *peer_cert(PGconn *c) {
  auto *ssl = static_cast<SSL *>(PQsslStruct(c, "OpenSSL"));
  return ssl ? SSL_get1_peer_certificate(ssl) : nullptr;
}

class TlsDefault : public ServerSuite<TlsDefault> {};

TEST_F(TlsDefault, SslRequestIsAnsweredS) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(ssl_request()));
  char answer = 0;
  ASSERT_EQ(w.read_byte(answer), ReadStatus::kOk);
  EXPECT_EQ(answer, 'S');
}

TEST_F(TlsDefault, SslmodeRequireRunsQueriesOverTls) {
  Conn c = conn("sslmode=require");
  ASSERT_TRUE(c);
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  std::string protocol = PQsslAttribute(c.get(), "protocol") ? PQsslAttribute(c.get(), "protocol") : "";
  EXPECT_TRUE(protocol == "TLSv1.2" || protocol == "TLSv1.3") << protocol;
  EXPECT_EQ(query_value(c.get(), "SELECT 'over tls'"), "over tls");
  // Enough data to span many TLS records.
  EXPECT_EQ(query_value(c.get(), "SELECT sum(x) FROM generate_series(1, 200000) AS t(x)"), "20000100000");
}

TEST_F(TlsDefault, PlainTextIsAllowedOnLoopbackByDefault) {
  Conn c = conn("sslmode=disable");
  ASSERT_TRUE(c);
  EXPECT_EQ(PQsslInUse(c.get()), 0);
  EXPECT_EQ(query_value(c.get(), "SELECT 1"), "1");
}

TEST_F(TlsDefault, GeneratedSelfSignedCertificateIsTheOneServed) {
  std::string crt = server().data_dir() + "/server.crt", key = server().data_dir() + "/server.key";
  ASSERT_TRUE(std::filesystem::exists(crt));
  ASSERT_TRUE(std::filesystem::exists(key));
  struct stat st {};
  ASSERT_EQ(stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "private key readable by group or others";
  X509 *file_cert = read_cert(crt);
  ASSERT_NE(file_cert, nullptr) << "server.crt is not a PEM certificate";
  // Self-signed: issuer and subject agree.
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(file_cert), X509_get_issuer_name(file_cert)), 0);
  Conn c = conn("sslmode=require");
  ASSERT_TRUE(c);
  X509 *served = peer_cert(c.get());
  ASSERT_NE(served, nullptr);
  EXPECT_EQ(X509_cmp(served, file_cert), 0);
  X509_free(served);
  X509_free(file_cert);
}

TEST_F(TlsDefault, WrongPasswordOverTlsIs28P01) {
  ConnectAttempt a = try_connect(server().conninfo("sslmode=require password=bad"));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.sqlstate, "28P01") << a.message;
}

TEST_F(TlsDefault, GarbageInsteadOfTlsHandshakeIsDropped) {
  Wire w = Wire::connect_tcp(server().port());
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w.send(ssl_request()));
  char answer = 0;
  ASSERT_EQ(w.read_byte(answer), ReadStatus::kOk);
  ASSERT_EQ(answer, 'S');
  w.send(std::string(300, '\x16') + "not a client hello");
  w.shutdown_write();
  EXPECT_TRUE(w.wait_closed(30s));
  EXPECT_TRUE(server_healthy(server()));
}

// --tls-cert / --tls-key with a certificate made here, checked with full verification.
class TlsConfiguredCert : public ServerSuite<TlsConfiguredCert> {
 public:
  static void before_start(Server &s) {
    std::string crt = s.root_dir() + "/given.crt", key = s.root_dir() + "/given.key";
    ProcessResult r = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                                   crt, "-days", "2", "-subj", "/CN=mallard-it-given", "-addext",
                                   "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                                  {}, {}, std::chrono::seconds(60));
    if (r.exit_code != 0) ADD_FAILURE() << "openssl req failed: " << r.err;
    chmod(key.c_str(), 0600);
    s.options().tls_cert = crt;
    s.options().tls_key = key;
  }
};

TEST_F(TlsConfiguredCert, VerifyFullSucceedsAgainstTheGivenCertificate) {
  std::string crt = server().options().tls_cert;
  Conn c = conn("sslmode=verify-full sslrootcert=" + crt);
  ASSERT_TRUE(c);
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  X509 *served = peer_cert(c.get());
  ASSERT_NE(served, nullptr);
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(served), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "mallard-it-given");
  X509_free(served);
  EXPECT_EQ(query_value(c.get(), "SELECT 'verified'"), "verified");
}

TEST_F(TlsConfiguredCert, VerifyCaFailsAgainstAnUnrelatedRoot) {
  std::string other = server().root_dir() + "/other.crt", other_key = server().root_dir() + "/other.key";
  ProcessResult r = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", other_key,
                                 "-out", other, "-days", "2", "-subj", "/CN=unrelated"},
                                {}, {}, std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ConnectAttempt a = try_connect(server().conninfo("sslmode=verify-ca sslrootcert=" + other));
  EXPECT_FALSE(a.ok);
  EXPECT_TRUE(server_healthy(server()));
}

class TlsRequired : public ServerSuite<TlsRequired> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.tls_required = "true";
    return o;
  }
};

TEST_F(TlsRequired, PlainTextIsRefused) {
  ConnectAttempt a = try_connect(server().conninfo("sslmode=disable"));
  EXPECT_FALSE(a.ok) << "plain-text session accepted although TLS is required";
}

TEST_F(TlsRequired, TlsIsAccepted) {
  Conn c = conn("sslmode=require");
  ASSERT_TRUE(c);
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  EXPECT_EQ(query_value(c.get(), "SELECT 9"), "9");
}

TEST_F(TlsRequired, SslmodePreferUpgradesToTls) {
  Conn c = conn("sslmode=prefer");
  ASSERT_TRUE(c);
  EXPECT_EQ(PQsslInUse(c.get()), 1);
}

// Listening beyond loopback makes TLS mandatory even without --tls-required. Only 127.0.0.1 is
// ever connected to.
class TlsNonLoopback : public ServerSuite<TlsNonLoopback> {
 public:
  static ServerOptions suite_options() {
    ServerOptions o;
    o.listen_host = "0.0.0.0";
    return o;
  }
};

TEST_F(TlsNonLoopback, PlainTextRefusedTlsAccepted) {
  ConnectAttempt a = try_connect(server().conninfo("sslmode=disable"));
  EXPECT_FALSE(a.ok) << "plain-text session accepted on a non-loopback listener";
  Conn c = conn("sslmode=require");
  ASSERT_TRUE(c);
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  EXPECT_EQ(query_value(c.get(), "SELECT 10"), "10");
}

}  // namespace
}  // namespace mallard::it
