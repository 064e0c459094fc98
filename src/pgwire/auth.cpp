#include "pgwire/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <climits>
#include <vector>

#include "common/error.hpp"

namespace mallard::pgwire {

namespace {

constexpr std::string_view kScramPrefix = "SCRAM-SHA-256$";
constexpr int kDefaultIterations = 4096;
constexpr size_t kSaltLength = 16;
constexpr size_t kKeyLength = 32;  // SHA-256 output size
constexpr size_t kServerNonceBytes = 18;
constexpr size_t kMd5VerifierLength = 35;  // "md5" + 32 hex digits
constexpr size_t kMd5SaltLength = 4;

[[noreturn]] void protocol_error(const std::string &message) {
  throw Error(sqlstate::kProtocolViolation, message);
}

[[noreturn]] void crypto_failure(const char *what) {
  throw Error(sqlstate::kInternalError, std::string("cryptographic operation failed: ") + what);
}

const unsigned char *bytes(std::string_view s) { return reinterpret_cast<const unsigned char *>(s.data()); }
unsigned char *bytes(std::string &s) { return reinterpret_cast<unsigned char *>(s.data()); }

// Key material lives in std::string buffers; wipe them before the memory goes back to the heap.
class SecretString {
 public:
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  ~SecretString() { OPENSSL_cleanse(value_.data(), value_.size()); }
  SecretString(const SecretString &) = delete;
  SecretString &operator=(const SecretString &) = delete;
  const std::string &get() const { return value_; }

 private:
  std::string value_;
};

std::string random_bytes(size_t count) {
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(bytes(out), static_cast<int>(count)) != 1) crypto_failure("RAND_bytes");
  return out;
}

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(bytes(out), bytes(raw), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// EVP_DecodeBlock skips surrounding whitespace and reports padding as decoded zero bytes, so the
// strict RFC 4648 shape is checked here and the padding subtracted from the result.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > static_cast<size_t>(INT_MAX)) return std::nullopt;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
    } else if (padding > 0 || !is_base64_char(c)) {
      return std::nullopt;
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  if (text.empty()) return out;
  int decoded = EVP_DecodeBlock(bytes(out), bytes(text), static_cast<int>(text.size()));
  if (decoded < 0 || static_cast<size_t>(decoded) < padding) return std::nullopt;
  out.resize(static_cast<size_t>(decoded) - padding);
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(kKeyLength, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), bytes(out), &length, EVP_sha256(), nullptr) != 1 || length != kKeyLength)
    crypto_failure("SHA-256");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(kKeyLength, '\0');
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(), bytes(out), &length) ==
          nullptr ||
      length != kKeyLength)
    crypto_failure("HMAC-SHA-256");
  return out;
}

// Passwords are used as raw bytes. PostgreSQL runs SASLprep first when the password is valid
// UTF-8, which leaves printable ASCII unchanged, so ASCII passwords agree with it.
std::string salted_password(std::string_view password, std::string_view salt, int iterations) {
  std::string out(kKeyLength, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), static_cast<int>(kKeyLength), bytes(out)) != 1)
    crypto_failure("PBKDF2");
  return out;
}

std::string md5_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr) != 1) crypto_failure("MD5");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct ScramSecret {
  int iterations = 0;
  std::string salt;
  std::string stored_key;
  std::string server_key;
};

std::optional<int> parse_iterations(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::optional<ScramSecret> parse_scram_verifier(std::string_view verifier) {
  if (!verifier.starts_with(kScramPrefix)) return std::nullopt;
  verifier.remove_prefix(kScramPrefix.size());
  size_t dollar = verifier.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  std::string_view params = verifier.substr(0, dollar);
  std::string_view keys = verifier.substr(dollar + 1);
  size_t params_colon = params.find(':');
  size_t keys_colon = keys.find(':');
  if (params_colon == std::string_view::npos || keys_colon == std::string_view::npos) return std::nullopt;

  auto iterations = parse_iterations(params.substr(0, params_colon));
  auto salt = base64_decode(params.substr(params_colon + 1));
  auto stored_key = base64_decode(keys.substr(0, keys_colon));
  auto server_key = base64_decode(keys.substr(keys_colon + 1));
  if (!iterations || !salt || salt->empty() || !stored_key || stored_key->size() != kKeyLength || !server_key ||
      server_key->size() != kKeyLength)
    return std::nullopt;
  return ScramSecret{*iterations, std::move(*salt), std::move(*stored_key), std::move(*server_key)};
}

bool is_md5_verifier(std::string_view verifier) {
  if (verifier.size() != kMd5VerifierLength || !verifier.starts_with("md5")) return false;
  for (char c : verifier.substr(3)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A per-process key for deriving fake salts: an attacker must not be able to compute the salt an
// unknown user gets, or comparing it against the offered one would reveal that the user is unknown.
const std::string &mock_salt_key() {
  static const std::string key = random_bytes(kKeyLength);
  return key;
}

std::string mock_salt(std::string_view user_name) {
  std::string input = "scram mock salt:";
  input.append(user_name);
  return hmac_sha256(mock_salt_key(), input).substr(0, kSaltLength);
}

// SCRAM attributes are comma separated; commas inside values are escaped (=2C) by the sender, so a
// plain split yields the attributes.
std::vector<std::string_view> split_attributes(std::string_view message) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t comma = message.find(',', start);
    if (comma == std::string_view::npos) {
      parts.push_back(message.substr(start));
      return parts;
    }
    parts.push_back(message.substr(start, comma - start));
    start = comma + 1;
  }
}

bool is_attribute(std::string_view part, char name) { return part.size() >= 2 && part[0] == name && part[1] == '='; }

void require_attribute(std::string_view part, char name, const char *message_kind) {
  if (!is_attribute(part, name))
    protocol_error(std::string("malformed SCRAM message: expected attribute \"") + name + "\" in " + message_kind);
}

// Optional extensions are ignored, but they still have to look like attributes.
void check_extension(std::string_view part, const char *message_kind) {
  char name = part.empty() ? '\0' : part[0];
  bool letter = (name >= 'a' && name <= 'z') || (name >= 'A' && name <= 'Z');
  if (!letter || part.size() < 2 || part[1] != '=')
    protocol_error(std::string("malformed SCRAM message: invalid attribute in ") + message_kind);
}

bool is_printable_nonce(std::string_view nonce) {
  if (nonce.empty()) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

}  // namespace

std::string make_scram_verifier(std::string_view password) {
  std::string salt = random_bytes(kSaltLength);
  SecretString salted(salted_password(password, salt, kDefaultIterations));
  SecretString client_key(hmac_sha256(salted.get(), "Client Key"));
  std::string stored_key = sha256(client_key.get());
  std::string server_key = hmac_sha256(salted.get(), "Server Key");
  return std::string(kScramPrefix) + std::to_string(kDefaultIterations) + ":" + base64_encode(salt) + "$" +
         base64_encode(stored_key) + ":" + base64_encode(server_key);
}

std::string make_md5_verifier(std::string_view password, std::string_view username) {
  std::string input(password);
  input.append(username);
  SecretString secret_input(std::move(input));
  return "md5" + md5_hex(secret_input.get());
}

bool verify_password(std::string_view verifier, std::string_view password, std::string_view username) {
  if (auto secret = parse_scram_verifier(verifier)) {
    SecretString salted(salted_password(password, secret->salt, secret->iterations));
    SecretString client_key(hmac_sha256(salted.get(), "Client Key"));
    return constant_time_equal(sha256(client_key.get()), secret->stored_key);
  }
  if (is_md5_verifier(verifier)) return constant_time_equal(make_md5_verifier(password, username), verifier);
  return false;
}

std::string generate_password(size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  // Bytes at or above the largest multiple of the alphabet size are rejected so that every
  // character is equally likely.
  constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    std::string chunk = random_bytes(length - out.size() + 8);
    for (unsigned char byte : chunk) {
      if (byte >= kLimit) continue;
      out.push_back(kAlphabet[byte % kAlphabet.size()]);
      if (out.size() == length) break;
    }
  }
  return out;
}

ScramServer::ScramServer(std::string_view verifier) : ScramServer(verifier, std::string_view()) {}

ScramServer::ScramServer(std::string_view verifier, std::string_view user_name) {
  if (auto secret = parse_scram_verifier(verifier)) {
    valid_verifier_ = true;
    iterations_ = secret->iterations;
    salt_ = std::move(secret->salt);
    stored_key_ = std::move(secret->stored_key);
    server_key_ = std::move(secret->server_key);
    return;
  }
  // Random keys keep the final step doing the same work as a real check; no proof can match them
  // in practice, and valid_verifier_ makes the failure certain.
  valid_verifier_ = false;
  iterations_ = kDefaultIterations;
  salt_ = mock_salt(user_name);
  stored_key_ = random_bytes(kKeyLength);
  server_key_ = random_bytes(kKeyLength);
}

ScramServer ScramServer::with_fixed_nonce_for_tests(std::string_view verifier, std::string_view server_nonce) {
  ScramServer server(verifier);
  server.fixed_server_nonce_ = std::string(server_nonce);
  return server;
}

std::string ScramServer::handle_client_first(std::string_view message) {
  if (step_ != Step::kClientFirst) protocol_error("unexpected SCRAM client-first-message");
  step_ = Step::kDone;  // a failed exchange cannot be resumed
  if (message.find('\0') != std::string_view::npos) protocol_error("malformed SCRAM message: unexpected NUL byte");

  // gs2-header: cbind-flag "," [authzid] ","
  if (message.empty()) protocol_error("malformed SCRAM message: empty client-first-message");
  switch (message[0]) {
    case 'n':
    case 'y':
      break;
    case 'p':
      protocol_error(
          "the client selected SCRAM-SHA-256 but requested channel binding, which needs SCRAM-SHA-256-PLUS");
    default:
      protocol_error("malformed SCRAM message: unexpected channel binding flag in client-first-message");
  }
  if (message.size() < 2 || message[1] != ',')
    protocol_error("malformed SCRAM message: expected \",\" after the channel binding flag");
  size_t authzid_end = message.find(',', 2);
  if (authzid_end == std::string_view::npos) protocol_error("malformed SCRAM message: incomplete gs2 header");
  if (authzid_end != 2) {
    if (is_attribute(message.substr(2), 'a'))
      throw Error(sqlstate::kFeatureNotSupported, "SCRAM authorization identities are not supported");
    protocol_error("malformed SCRAM message: invalid gs2 header");
  }
  gs2_header_ = std::string(message.substr(0, authzid_end + 1));
  std::string_view bare = message.substr(authzid_end + 1);

  // client-first-message-bare: [reserved-mext ","] username "," nonce ["," extensions]
  auto parts = split_attributes(bare);
  if (is_attribute(parts[0], 'm'))
    throw Error(sqlstate::kFeatureNotSupported, "the client requires an unsupported SCRAM extension");
  // The user name here is ignored: the one from the startup packet is authoritative.
  require_attribute(parts[0], 'n', "client-first-message");
  if (parts.size() < 2) protocol_error("malformed SCRAM message: missing nonce in client-first-message");
  require_attribute(parts[1], 'r', "client-first-message");
  std::string_view client_nonce = parts[1].substr(2);
  if (!is_printable_nonce(client_nonce)) protocol_error("malformed SCRAM message: invalid client nonce");
  for (size_t i = 2; i < parts.size(); ++i) check_extension(parts[i], "client-first-message");

  std::string server_nonce =
      fixed_server_nonce_.empty() ? base64_encode(random_bytes(kServerNonceBytes)) : fixed_server_nonce_;
  client_first_bare_ = std::string(bare);
  nonce_ = std::string(client_nonce) + server_nonce;
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(salt_) + ",i=" + std::to_string(iterations_);
  step_ = Step::kClientFinal;
  return server_first_;
}

std::optional<std::string> ScramServer::handle_client_final(std::string_view message) {
  if (step_ != Step::kClientFinal) protocol_error("unexpected SCRAM client-final-message");
  step_ = Step::kDone;
  if (message.find('\0') != std::string_view::npos) protocol_error("malformed SCRAM message: unexpected NUL byte");

  // client-final-message: channel-binding "," nonce ["," extensions] "," proof
  auto parts = split_attributes(message);
  require_attribute(parts[0], 'c', "client-final-message");
  auto channel_binding = base64_decode(parts[0].substr(2));
  if (!channel_binding) protocol_error("malformed SCRAM message: invalid channel binding data");
  if (*channel_binding != gs2_header_)
    protocol_error("SCRAM channel binding check failed: the gs2 header does not match the client-first-message");
  if (parts.size() < 3) protocol_error("malformed SCRAM message: incomplete client-final-message");
  require_attribute(parts[1], 'r', "client-final-message");
  if (parts[1].substr(2) != nonce_) protocol_error("SCRAM nonce mismatch");
  for (size_t i = 2; i + 1 < parts.size(); ++i) check_extension(parts[i], "client-final-message");
  std::string_view proof_part = parts.back();
  require_attribute(proof_part, 'p', "client-final-message");
  auto proof = base64_decode(proof_part.substr(2));
  if (!proof || proof->size() != kKeyLength) protocol_error("malformed SCRAM message: invalid client proof");

  std::string_view without_proof = message.substr(0, message.size() - proof_part.size() - 1);
  std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);

  // The proof is ClientKey XOR ClientSignature; recovering ClientKey and hashing it must give
  // StoredKey.
  std::string client_key = hmac_sha256(stored_key_, auth_message);
  for (size_t i = 0; i < kKeyLength; ++i) client_key[i] = static_cast<char>(client_key[i] ^ (*proof)[i]);
  SecretString recovered_key(std::move(client_key));
  bool proof_ok = constant_time_equal(sha256(recovered_key.get()), stored_key_);
  if (!proof_ok || !valid_verifier_) return std::nullopt;
  return "v=" + base64_encode(hmac_sha256(server_key_, auth_message));
}

std::string make_md5_salt() { return random_bytes(kMd5SaltLength); }

bool verify_md5_response(std::string_view md5_verifier, std::string_view salt, std::string_view response) {
  if (!is_md5_verifier(md5_verifier) || salt.size() != kMd5SaltLength) return false;
  std::string input(md5_verifier.substr(3));
  input.append(salt);
  return constant_time_equal("md5" + md5_hex(input), response);
}

}  // namespace mallard::pgwire
