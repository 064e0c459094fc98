#pragma once
// TLS for the PostgreSQL listener (OpenSSL). A server certificate and key are loaded from the given
// files, or, when none are configured, a self-signed certificate is generated once in the data
// directory (server.crt, server.key with mode 0600) and reused on later starts.

#include <memory>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace mallard::pgwire {

class TlsContext {
 public:
  // cert_file/key_file empty: use or create <data_dir>/server.crt and <data_dir>/server.key.
  TlsContext(const std::string &data_dir, const std::string &cert_file, const std::string &key_file);
  ~TlsContext();
  TlsContext(const TlsContext &) = delete;
  TlsContext &operator=(const TlsContext &) = delete;

  // A new server-side SSL object for an accepted socket; the handshake is the caller's (SSL_accept).
  SSL *new_ssl(int fd) const;
  const std::string &cert_path() const { return cert_path_; }

 private:
  SSL_CTX *ctx_ = nullptr;
  std::string cert_path_;
};

}  // namespace mallard::pgwire
