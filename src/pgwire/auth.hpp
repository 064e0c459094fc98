#pragma once
// Password verifiers and the server side of PostgreSQL's password authentication exchanges.
// Verifiers are stored, never passwords: "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" as
// PostgreSQL stores them, or "md5<hex>" (md5(password || username)) for md5 authentication.

#include <optional>
#include <string>
#include <string_view>

namespace mallard::pgwire {

// A new SCRAM-SHA-256 verifier with a random 16-byte salt and 4096 iterations.
std::string make_scram_verifier(std::string_view password);
// "md5" + hex(md5(password || username)).
std::string make_md5_verifier(std::string_view password, std::string_view username);
// Checks a cleartext password against a stored verifier of either kind (constant time compare).
bool verify_password(std::string_view verifier, std::string_view password, std::string_view username);
// Random printable password (for the generated default user password).
std::string generate_password(size_t length = 24);

// Server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677, without channel binding), as PostgreSQL runs
// it inside AuthenticationSASL / SASLContinue / SASLFinal. If the verifier is not a valid SCRAM
// verifier (unknown user), the exchange still runs with a fake one and fails at the end, so a
// client cannot tell unknown users from wrong passwords.
class ScramServer {
 public:
  explicit ScramServer(std::string_view verifier);
  // user_name (from the startup packet) seeds the salt of the fake exchange, so that an unknown
  // user is offered the same salt on every attempt, as an existing user would be.
  ScramServer(std::string_view verifier, std::string_view user_name);
  // client-first-message -> server-first-message. Throws Error 08P01 on malformed input.
  std::string handle_client_first(std::string_view message);
  // client-final-message -> server-final-message ("v=..."), or nullopt if the proof is wrong.
  // Throws Error 08P01 on malformed input.
  std::optional<std::string> handle_client_final(std::string_view message);

  // For tests only: a server whose nonce is fixed, so that published exchanges (RFC 7677) replay.
  static ScramServer with_fixed_nonce_for_tests(std::string_view verifier, std::string_view server_nonce);

 private:
  enum class Step { kClientFirst, kClientFinal, kDone };

  bool valid_verifier_ = false;
  int iterations_ = 4096;
  std::string salt_;          // raw bytes
  std::string stored_key_;    // raw bytes
  std::string server_key_;    // raw bytes
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;         // client nonce + server nonce
  Step step_ = Step::kClientFirst;
  std::string gs2_header_;    // "n,," or "y,,", echoed back base64-encoded in c=
  std::string fixed_server_nonce_;
};

// Server side of md5 authentication: the 4-byte salt sent in AuthenticationMD5Password and the
// check of the client's "md5..." response against a stored md5 verifier.
std::string make_md5_salt();
bool verify_md5_response(std::string_view md5_verifier, std::string_view salt, std::string_view response);

}  // namespace mallard::pgwire
