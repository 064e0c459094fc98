#include "pgwire/tls.hpp"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>
#include <utility>

#include "common/error.hpp"

namespace mallard::pgwire {

namespace {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T *handle) const {
    Free(handle);
  }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter<SSL_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;

constexpr int kCertificateValidityDays = 3652;  // ten years, leap days included
constexpr std::string_view kAlpnProtocol = "postgresql";

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Drains OpenSSL's thread-local error queue into text; leaving entries behind would make a later,
// unrelated SSL_get_error() on this thread misreport.
std::string openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "unknown error" : text;
}

[[noreturn]] void io_error(const std::string &message) { throw Error(sqlstate::kIoError, message); }

[[noreturn]] void openssl_io_error(const std::string &message) {
  io_error(message + ": " + openssl_errors());
}

[[noreturn]] void openssl_internal_error(const std::string &message) {
  throw Error(sqlstate::kInternalError, message + ": " + openssl_errors());
}

std::string errno_text(int error) { return std::strerror(error); }

bool file_exists(const std::string &path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  io_error("could not access file \"" + path + "\": " + errno_text(errno));
}

std::string read_file(const std::string &path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) io_error("could not open file \"" + path + "\": " + errno_text(errno));
  std::string data;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("could not read file \"" + path + "\": " + errno_text(errno));
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

void fsync_directory_of(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

// Writes through a temporary file and renames it into place, so a crash never leaves a truncated
// file behind. mkostemp creates the file with mode 0600, so a private key is never readable by
// others, not even briefly; other modes are widened explicitly.
void write_file_atomically(const std::string &path, std::string_view data, mode_t mode) {
  std::string temp_path = path + ".XXXXXX";
  UniqueFd fd(::mkostemp(temp_path.data(), O_CLOEXEC));
  if (fd.get() < 0) io_error("could not create file \"" + path + "\": " + errno_text(errno));
  auto fail = [&](const char *action) {
    int error = errno;
    ::unlink(temp_path.c_str());
    io_error(std::string("could not ") + action + " file \"" + path + "\": " + errno_text(error));
  };
  if (mode != 0600 && ::fchmod(fd.get(), mode) != 0) fail("set permissions of");
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("write");
  if (::close(fd.release()) != 0) fail("write");
  if (::rename(temp_path.c_str(), path.c_str()) != 0) fail("rename temporary file to");
  fsync_directory_of(path);
}

std::string bio_contents(BIO *bio) {
  char *data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

BioPtr memory_bio(const std::string &data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) io_error("file too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) openssl_internal_error("could not allocate BIO");
  return bio;
}

void add_extension(X509 *cert, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1)
    openssl_internal_error(std::string("could not add certificate extension ") + OBJ_nid2sn(nid));
}

PkeyPtr generate_key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) openssl_internal_error("could not generate the server key");
  return key;
}

X509Ptr make_self_signed_certificate(EVP_PKEY *key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    openssl_internal_error("could not create the server certificate");

  // A random serial keeps clients that cache certificates by issuer and serial from confusing a
  // regenerated certificate with an older one.
  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    openssl_internal_error("could not set the certificate serial number");

  // Backdated by an hour so that clients whose clocks lag slightly still accept a fresh certificate.
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), kCertificateValidityDays, 0, nullptr))
    openssl_internal_error("could not set the certificate validity");

  X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("mallard"),
                                 -1, -1, 0) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 || X509_set_issuer_name(cert.get(), name.get()) != 1)
    openssl_internal_error("could not set the certificate name");
  if (X509_set_pubkey(cert.get(), key) != 1) openssl_internal_error("could not set the certificate key");

  // Clients trust this certificate directly (as sslrootcert). It is not a CA: some TLS stacks
  // refuse a CA certificate as the server's own. Without a keyUsage extension, verifiers still
  // treat it as self-signed; the SAN allows verify-full against local addresses.
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");

  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) openssl_internal_error("could not sign the server certificate");
  return cert;
}

void generate_certificate_files(const std::string &cert_path, const std::string &key_path) {
  PkeyPtr key = generate_key();
  X509Ptr cert = make_self_signed_certificate(key.get());

  BioPtr key_pem(BIO_new(BIO_s_mem()));
  BioPtr cert_pem(BIO_new(BIO_s_mem()));
  if (!key_pem || !cert_pem) openssl_internal_error("could not allocate BIO");
  if (PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    openssl_internal_error("could not encode the server key");
  if (PEM_write_bio_X509(cert_pem.get(), cert.get()) != 1)
    openssl_internal_error("could not encode the server certificate");

  std::string key_text = bio_contents(key_pem.get());
  write_file_atomically(key_path, key_text, 0600);
  OPENSSL_cleanse(key_text.data(), key_text.size());
  try {
    write_file_atomically(cert_path, bio_contents(cert_pem.get()), 0644);
  } catch (...) {
    // A key without its certificate would block the next start; remove it so that start regenerates.
    ::unlink(key_path.c_str());
    throw;
  }
}

// Encrypted keys are not supported; without this callback OpenSSL would prompt on the terminal.
int refuse_passphrase(char *, int, int, void *) { return 0; }

void load_certificate_chain(SSL_CTX *ctx, const std::string &path) {
  std::string data = read_file(path);
  BioPtr bio = memory_bio(data);
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) openssl_io_error("could not load server certificate file \"" + path + "\"");
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1)
    openssl_io_error("could not use server certificate file \"" + path + "\"");
  // Any further certificates are intermediates sent along with the leaf.
  while (X509Ptr extra{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
    if (SSL_CTX_add0_chain_cert(ctx, extra.get()) != 1)
      openssl_io_error("could not use intermediate certificate from \"" + path + "\"");
    extra.release();
  }
  // The loop ends on a "no start line" error at end of input, which is expected.
  ERR_clear_error();
}

void load_private_key(SSL_CTX *ctx, const std::string &path, const std::string &cert_path) {
  std::string data = read_file(path);
  BioPtr bio = memory_bio(data);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr));
  // Both PKCS#8 ("ENCRYPTED PRIVATE KEY") and legacy ("Proc-Type: 4,ENCRYPTED") PEM say so.
  bool encrypted = data.find("ENCRYPTED") != std::string::npos;
  OPENSSL_cleanse(data.data(), data.size());
  if (!key && encrypted)
    openssl_io_error("could not load private key file \"" + path + "\": passphrase-protected keys are not supported");
  if (!key) openssl_io_error("could not load private key file \"" + path + "\"");
  // Checked up front: SSL_CTX_use_PrivateKey would fail too, but with a less helpful message.
  X509 *cert = SSL_CTX_get0_certificate(ctx);
  if (cert && X509_check_private_key(cert, key.get()) != 1)
    openssl_io_error("private key file \"" + path + "\" does not match the certificate in \"" + cert_path + "\"");
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) openssl_io_error("could not use private key file \"" + path + "\"");
}

// Clients that speak ALPN (direct TLS connections of newer libpq) expect "postgresql" to be
// selected. Other offers are ignored rather than refused, so that such clients can still connect.
int select_alpn(SSL *, const unsigned char **out, unsigned char *out_length, const unsigned char *in,
                unsigned int in_length, void *) {
  unsigned int pos = 0;
  while (pos < in_length) {
    unsigned int length = in[pos];
    if (length == 0 || pos + 1 + length > in_length) break;
    std::string_view protocol(reinterpret_cast<const char *>(in + pos + 1), length);
    if (protocol == kAlpnProtocol) {
      *out = in + pos + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    pos += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

SslCtxPtr make_server_context() {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) openssl_internal_error("could not create the TLS context");
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1)
    openssl_internal_error("could not set the minimum TLS version");
  // Connections are long-lived and there is no client certificate authentication, so session
  // resumption brings little; keeping it off avoids ticket keys that would need rotation.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                     SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_cipher_list(ctx.get(), "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES") != 1)
    openssl_internal_error("could not set the TLS 1.2 cipher list");
  SSL_CTX_set_dh_auto(ctx.get(), 1);
  // Non-blocking callers may retry a write from a buffer that has since been reallocated.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_alpn_select_cb(ctx.get(), select_alpn, nullptr);
  return ctx;
}

std::string join_path(const std::string &dir, const char *name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

TlsContext::TlsContext(const std::string &data_dir, const std::string &cert_file, const std::string &key_file) {
  ERR_clear_error();
  std::string key_path;
  if (!cert_file.empty() || !key_file.empty()) {
    if (cert_file.empty() || key_file.empty())
      throw Error(sqlstate::kInvalidParameterValue,
                  "the TLS certificate file and key file must be configured together");
    cert_path_ = cert_file;
    key_path = key_file;
  } else {
    cert_path_ = join_path(data_dir, "server.crt");
    key_path = join_path(data_dir, "server.key");
    bool have_cert = file_exists(cert_path_);
    bool have_key = file_exists(key_path);
    if (have_cert != have_key) {
      io_error("found \"" + (have_cert ? cert_path_ : key_path) + "\" but not \"" + (have_cert ? key_path : cert_path_) +
               "\"; remove it to have a new self-signed certificate generated, or provide both files");
    }
    if (!have_cert) generate_certificate_files(cert_path_, key_path);
  }

  SslCtxPtr ctx = make_server_context();
  load_certificate_chain(ctx.get(), cert_path_);
  load_private_key(ctx.get(), key_path, cert_path_);
  ctx_ = ctx.release();
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

SSL *TlsContext::new_ssl(int fd) const {
  ERR_clear_error();
  SslPtr ssl(SSL_new(ctx_));
  if (!ssl) openssl_internal_error("could not create a TLS connection");
  if (SSL_set_fd(ssl.get(), fd) != 1) openssl_internal_error("could not attach the TLS connection to its socket");
  return ssl.release();
}

}  // namespace mallard::pgwire
