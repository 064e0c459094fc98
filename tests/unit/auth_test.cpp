#include "pgwire/auth.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace mallard::pgwire {
namespace {

// The client half of SCRAM-SHA-256 is written here from RFC 5802 independently of the server code,
// so that both halves are checked against the specification rather than against each other.

const unsigned char *bytes(std::string_view s) { return reinterpret_cast<const unsigned char *>(s.data()); }

std::string b64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), bytes(raw), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string unb64(std::string_view text) {
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char *>(out.data()), bytes(text), static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(), out, &length);
  return std::string(reinterpret_cast<char *>(out), length);
}

std::string sha256(std::string_view data) {
  unsigned char out[32];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char *>(out), length);
}

std::string md5_hex(std::string_view data) {
  unsigned char out[16];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char buf[3];
    std::snprintf(buf, sizeof(buf), "%02x", out[i]);
    hex += buf;
  }
  return hex;
}

std::string salted_password(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes(salt), static_cast<int>(salt.size()),
                    iterations, EVP_sha256(), 32, out);
  return std::string(reinterpret_cast<char *>(out), 32);
}

std::string scram_verifier_for(std::string_view password, std::string_view salt, int iterations) {
  std::string salted = salted_password(password, salt, iterations);
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":" + b64(salt) + "$" +
         b64(sha256(hmac(salted, "Client Key"))) + ":" + b64(hmac(salted, "Server Key"));
}

bool is_alphanumeric(std::string_view s) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

// Canonical base64 (alphabet and padding) that decodes to exactly decoded_length bytes.
bool is_base64_of(std::string_view s, size_t decoded_length) {
  if (s.size() != 4 * ((decoded_length + 2) / 3)) return false;
  size_t padding = (3 - decoded_length % 3) % 3;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = i >= s.size() - padding ? c == '=' : (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/');
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> split(std::string_view s, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = s.find(separator, start)) != std::string_view::npos; start = pos + 1)
    parts.emplace_back(s.substr(start, pos - start));
  parts.emplace_back(s.substr(start));
  return parts;
}

std::string attribute(std::string_view message, char name) {
  size_t pos = 0;
  while (pos <= message.size()) {
    size_t comma = message.find(',', pos);
    std::string_view part = message.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return std::string(part.substr(2));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  ADD_FAILURE() << "attribute " << name << " missing in " << message;
  return {};
}

class ScramClient {
 public:
  // libpq sends an empty user name (the server takes it from the startup packet), hence the default.
  ScramClient(std::string password, std::string client_nonce, std::string gs2_header = "n,,", std::string user = "")
      : password_(std::move(password)),
        nonce_(std::move(client_nonce)),
        gs2_header_(std::move(gs2_header)),
        user_(std::move(user)) {}

  std::string first_message() {
    client_first_bare_ = "n=" + user_ + ",r=" + nonce_;
    return gs2_header_ + client_first_bare_;
  }

  std::string final_message(const std::string &server_first) {
    std::string combined_nonce = attribute(server_first, 'r');
    EXPECT_EQ(combined_nonce.rfind(nonce_, 0), 0u) << "server nonce must extend the client nonce";
    EXPECT_GT(combined_nonce.size(), nonce_.size());
    std::string salt = unb64(attribute(server_first, 's'));
    int iterations = std::stoi(attribute(server_first, 'i'));
    salted_ = salted_password(password_, salt, iterations);
    std::string client_key = hmac(salted_, "Client Key");
    std::string without_proof = "c=" + b64(gs2_header_) + ",r=" + combined_nonce;
    auth_message_ = client_first_bare_ + "," + server_first + "," + without_proof;
    std::string signature = hmac(sha256(client_key), auth_message_);
    std::string proof = client_key;
    for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(proof[i] ^ signature[i]);
    return without_proof + ",p=" + b64(proof);
  }

  std::string expected_server_final() const { return "v=" + b64(hmac(hmac(salted_, "Server Key"), auth_message_)); }

 private:
  std::string password_;
  std::string nonce_;
  std::string gs2_header_;
  std::string user_;
  std::string client_first_bare_;
  std::string salted_;
  std::string auth_message_;
};

std::optional<std::string> run_exchange(ScramServer &server, ScramClient &client) {
  std::string server_first = server.handle_client_first(client.first_message());
  return server.handle_client_final(client.final_message(server_first));
}

template <typename F>
std::string sqlstate_of(F &&f) {
  try {
    f();
  } catch (const Error &e) {
    return e.sqlstate();
  }
  return "no error";
}

TEST(ScramVerifier, HasPostgresFormat) {
  std::string verifier = make_scram_verifier("correct horse");
  // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
  auto fields = split(verifier, '$');
  ASSERT_EQ(fields.size(), 3u) << verifier;
  EXPECT_EQ(fields[0], "SCRAM-SHA-256");
  auto params = split(fields[1], ':');
  auto keys = split(fields[2], ':');
  ASSERT_EQ(params.size(), 2u) << verifier;
  ASSERT_EQ(keys.size(), 2u) << verifier;
  EXPECT_EQ(params[0], "4096");
  EXPECT_TRUE(is_base64_of(params[1], 16)) << verifier;
  EXPECT_TRUE(is_base64_of(keys[0], 32)) << verifier;
  EXPECT_TRUE(is_base64_of(keys[1], 32)) << verifier;
  std::string salt = unb64(params[1]);
  // Recomputing from the salt must give exactly the same verifier.
  EXPECT_EQ(scram_verifier_for("correct horse", salt, 4096), verifier);
  EXPECT_NE(make_scram_verifier("correct horse"), verifier) << "salt must be random";
}

TEST(ScramVerifier, MatchesRfc7677Keys) {
  // StoredKey and ServerKey for the RFC 7677 example, in PostgreSQL's rolpassword format.
  const std::string expected =
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
  EXPECT_EQ(scram_verifier_for("pencil", unb64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096), expected);
  EXPECT_TRUE(verify_password(expected, "pencil", "user"));
  EXPECT_FALSE(verify_password(expected, "pencil2", "user"));
}

TEST(Md5Verifier, HasPostgresFormat) {
  EXPECT_EQ(make_md5_verifier("pencil", "user"), "md5" + md5_hex("penciluser"));
  EXPECT_EQ(make_md5_verifier("pencil", "user"), "md520c46e3762c864548e296b33c3406aa9");
}

TEST(VerifyPassword, BothVerifierKinds) {
  std::string scram = make_scram_verifier("s3cret!");
  EXPECT_TRUE(verify_password(scram, "s3cret!", "alice"));
  EXPECT_TRUE(verify_password(scram, "s3cret!", "anyone")) << "SCRAM verifiers do not depend on the user";
  EXPECT_FALSE(verify_password(scram, "s3cret", "alice"));
  EXPECT_FALSE(verify_password(scram, "", "alice"));

  std::string md5 = make_md5_verifier("s3cret!", "alice");
  EXPECT_TRUE(verify_password(md5, "s3cret!", "alice"));
  EXPECT_FALSE(verify_password(md5, "s3cret!", "bob")) << "md5 verifiers are salted with the user name";
  EXPECT_FALSE(verify_password(md5, "wrong", "alice"));
}

TEST(VerifyPassword, RejectsInvalidVerifiers) {
  for (std::string verifier :
       {std::string(), std::string("s3cret!"), std::string("md5"), std::string("md5xyz"),
        "MD5" + md5_hex("s3cret!alice"), "md5" + md5_hex("s3cret!alice") + "0", std::string("SCRAM-SHA-256$"),
        std::string("SCRAM-SHA-256$4096:c2FsdA==$AAAA:AAAA"), std::string("SCRAM-SHA-256$0:c2FsdA==$x:y")}) {
    EXPECT_FALSE(verify_password(verifier, "s3cret!", "alice")) << verifier;
  }
  // A SCRAM verifier with a broken iteration count is not valid either.
  std::string good = make_scram_verifier("s3cret!");
  std::string bad = good;
  bad.replace(bad.find("4096"), 4, "-1");
  EXPECT_FALSE(verify_password(bad, "s3cret!", "alice"));
}

TEST(ScramServer, CorrectPasswordSucceeds) {
  ScramServer server(make_scram_verifier("pa55word"));
  ScramClient client("pa55word", "fyko+d2lbbFgONRv9qkxdawL");
  auto server_final = run_exchange(server, client);
  ASSERT_TRUE(server_final.has_value());
  EXPECT_EQ(*server_final, client.expected_server_final());
}

TEST(ScramServer, ServerFirstMessageShape) {
  std::string verifier = make_scram_verifier("pa55word");
  ScramServer server(verifier);
  std::string server_first = server.handle_client_first("n,,n=,r=clientnonce");
  auto parts = split(server_first, ',');
  ASSERT_EQ(parts.size(), 3u) << server_first;
  ASSERT_TRUE(parts[0].starts_with("r=clientnonce")) << server_first;
  EXPECT_TRUE(is_base64_of(parts[0].substr(13), 18)) << "18 random bytes, base64: " << server_first;
  ASSERT_TRUE(parts[1].starts_with("s=")) << server_first;
  EXPECT_NE(verifier.find(":" + parts[1].substr(2) + "$"), std::string::npos) << "salt comes from the verifier";
  EXPECT_EQ(parts[2], "i=4096");
}

TEST(ScramServer, AcceptsClientWithoutChannelBindingSupport) {
  ScramServer server(make_scram_verifier("pa55word"));
  ScramClient client("pa55word", "abcdef", "y,,");
  auto server_final = run_exchange(server, client);
  ASSERT_TRUE(server_final.has_value());
  EXPECT_EQ(*server_final, client.expected_server_final());
}

TEST(ScramServer, IgnoresUserNameAndExtensions) {
  ScramServer server(make_scram_verifier("pa55word"));
  std::string server_first = server.handle_client_first("n,,n=someone=2Celse,r=abc,x=ignored");
  EXPECT_EQ(server_first.rfind("r=abc", 0), 0u);
}

TEST(ScramServer, WrongPasswordFails) {
  ScramServer server(make_scram_verifier("pa55word"));
  ScramClient client("pa55w0rd", "abcdef");
  EXPECT_FALSE(run_exchange(server, client).has_value());
}

TEST(ScramServer, NonAsciiPasswordAsRawBytes) {
  ScramServer server(make_scram_verifier("p\xc3\xa4ss"));
  ScramClient client("p\xc3\xa4ss", "abcdef");
  EXPECT_TRUE(run_exchange(server, client).has_value());
}

TEST(ScramServer, InvalidVerifierRunsFakeExchangeAndFails) {
  for (std::string verifier : {std::string(), make_md5_verifier("pa55word", "alice"), std::string("SCRAM-SHA-256$x")}) {
    ScramServer server(verifier, "alice");
    ScramClient client("pa55word", "abcdef");
    std::string server_first = server.handle_client_first(client.first_message());
    // Indistinguishable in shape from a real exchange.
    auto parts = split(server_first, ',');
    ASSERT_EQ(parts.size(), 3u) << server_first;
    EXPECT_TRUE(parts[0].starts_with("r=abcdef") && is_base64_of(parts[0].substr(8), 18)) << server_first;
    EXPECT_TRUE(parts[1].starts_with("s=") && is_base64_of(parts[1].substr(2), 16)) << server_first;
    EXPECT_EQ(parts[2], "i=4096");
    EXPECT_FALSE(server.handle_client_final(client.final_message(server_first)).has_value()) << verifier;
  }
}

TEST(ScramServer, FakeSaltIsStablePerUser) {
  auto salt_for = [](std::string_view user) {
    ScramServer server("", user);
    return attribute(server.handle_client_first("n,,n=,r=abc"), 's');
  };
  EXPECT_EQ(salt_for("ghost"), salt_for("ghost"));
  EXPECT_NE(salt_for("ghost"), salt_for("phantom"));
}

// The exchange of RFC 7677, section 3 (its server nonce is "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0").
TEST(ScramServer, Rfc7677TestVector) {
  const std::string verifier = scram_verifier_for("pencil", unb64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  ScramServer server = ScramServer::with_fixed_nonce_for_tests(verifier, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  EXPECT_EQ(server.handle_client_first("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"),
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  auto server_final = server.handle_client_final(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(server_final.has_value());
  EXPECT_EQ(*server_final, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

TEST(ScramServer, TestClientReproducesRfc7677) {
  // The test client must produce the RFC's messages, so that it is a faithful reference elsewhere.
  ScramClient client("pencil", "rOprNGfwEbeRWgbNEkqO", "n,,", "user");
  ScramServer server = ScramServer::with_fixed_nonce_for_tests(
      scram_verifier_for("pencil", unb64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
  std::string first = client.first_message();
  EXPECT_EQ(first, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  std::string final_message = client.final_message(server.handle_client_first(first));
  EXPECT_EQ(final_message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(client.expected_server_final(), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  auto server_final = server.handle_client_final(final_message);
  ASSERT_TRUE(server_final.has_value());
  EXPECT_EQ(*server_final, client.expected_server_final());
}

TEST(ScramServer, MalformedClientFirstThrows) {
  const std::vector<std::string> malformed = {
      "",
      "n",
      "n,",
      "x,,n=,r=abc",
      "n,,",
      "n,,n=",
      "n,,n=user",
      "n,,r=abc",
      "n,,n=,x=abc",
      "n,,n=,r=",
      "n,,n=,r=ab\x01" "c",
      "n,,n=,r=abc,",
      "n,,n=,r=abc,1=x",
      "n,x,n=,r=abc",
      std::string("n,,n=,r=abc\0def", 15),
      "p=tls-server-end-point,,n=,r=abc",
  };
  for (const auto &message : malformed) {
    ScramServer server(make_scram_verifier("pa55word"));
    EXPECT_EQ(sqlstate_of([&] { server.handle_client_first(message); }), sqlstate::kProtocolViolation) << message;
  }
  ScramServer authzid(make_scram_verifier("pa55word"));
  EXPECT_EQ(sqlstate_of([&] { authzid.handle_client_first("n,a=bob,n=,r=abc"); }), sqlstate::kFeatureNotSupported);
  ScramServer extension(make_scram_verifier("pa55word"));
  EXPECT_EQ(sqlstate_of([&] { extension.handle_client_first("n,,m=ext,n=,r=abc"); }), sqlstate::kFeatureNotSupported);
}

TEST(ScramServer, MalformedClientFinalThrows) {
  std::string verifier = make_scram_verifier("pa55word");
  auto final_error = [&](auto mutate) {
    ScramServer server(verifier);
    ScramClient client("pa55word", "abcdef");
    std::string server_first = server.handle_client_first(client.first_message());
    std::string final_message = mutate(client.final_message(server_first), attribute(server_first, 'r'));
    return sqlstate_of([&] { server.handle_client_final(final_message); });
  };
  const std::string kProtocol = sqlstate::kProtocolViolation;
  // Unchanged, the message is accepted (no exception).
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return m; }), "no error");
  // Channel binding data must echo the gs2 header of client-first ("n,," here, not "y,,").
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return "c=eSws" + m.substr(6); }), kProtocol);
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return "c=b!ws" + m.substr(6); }), kProtocol);
  // Nonce mismatch.
  EXPECT_EQ(final_error([](std::string m, const std::string &nonce) {
              return "c=biws,r=" + nonce + "x" + m.substr(m.find(",p="));
            }),
            kProtocol);
  // Missing or broken proof.
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return m.substr(0, m.find(",p=")); }), kProtocol);
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return m.substr(0, m.find(",p=") + 3) + "AAAA"; }),
            kProtocol);
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return m.substr(0, m.size() - 2); }), kProtocol);
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return m + ",x=trailing"; }), kProtocol);
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return std::string("garbage"); }), kProtocol);
  EXPECT_EQ(final_error([](std::string m, const std::string &) { return std::string(); }), kProtocol);
}

TEST(ScramServer, ExtensionsInClientFinalAreCoveredByTheProof) {
  // An extension before the proof is part of the signed message, so adding one invalidates the
  // proof rather than being rejected as malformed.
  ScramServer server(make_scram_verifier("pa55word"));
  ScramClient client("pa55word", "abcdef");
  std::string server_first = server.handle_client_first(client.first_message());
  std::string final_message = client.final_message(server_first);
  size_t proof = final_message.find(",p=");
  final_message.insert(proof, ",x=ext");
  EXPECT_FALSE(server.handle_client_final(final_message).has_value());
}

TEST(ScramServer, MessagesOutOfOrderThrow) {
  ScramServer server(make_scram_verifier("pa55word"));
  EXPECT_EQ(sqlstate_of([&] { server.handle_client_final("c=biws,r=abc,p=AAAA"); }), sqlstate::kProtocolViolation);

  ScramServer twice(make_scram_verifier("pa55word"));
  twice.handle_client_first("n,,n=,r=abc");
  EXPECT_EQ(sqlstate_of([&] { twice.handle_client_first("n,,n=,r=abc"); }), sqlstate::kProtocolViolation);

  // A completed exchange cannot be replayed, not even with the same, valid final message.
  ScramServer replay(make_scram_verifier("pa55word"));
  ScramClient client("pa55word", "abcdef");
  std::string final_message = client.final_message(replay.handle_client_first(client.first_message()));
  ASSERT_TRUE(replay.handle_client_final(final_message).has_value());
  EXPECT_EQ(sqlstate_of([&] { replay.handle_client_final(final_message); }), sqlstate::kProtocolViolation);

  // After a malformed message the exchange is over.
  ScramServer broken(make_scram_verifier("pa55word"));
  EXPECT_EQ(sqlstate_of([&] { broken.handle_client_first("n,,garbage"); }), sqlstate::kProtocolViolation);
  EXPECT_EQ(sqlstate_of([&] { broken.handle_client_first("n,,n=,r=abc"); }), sqlstate::kProtocolViolation);
}

TEST(Md5Auth, ChallengeResponse) {
  std::string salt = make_md5_salt();
  ASSERT_EQ(salt.size(), 4u);
  std::string verifier = make_md5_verifier("pencil", "user");
  std::string response = "md5" + md5_hex(verifier.substr(3) + salt);
  EXPECT_TRUE(verify_md5_response(verifier, salt, response));
  EXPECT_FALSE(verify_md5_response(verifier, salt, "md5" + md5_hex(verifier.substr(3) + "abcd")));
  EXPECT_FALSE(verify_md5_response(verifier, salt, response.substr(0, 34)));
  EXPECT_FALSE(verify_md5_response(verifier, salt, ""));
  EXPECT_FALSE(verify_md5_response(make_scram_verifier("pencil"), salt, response));
  EXPECT_FALSE(verify_md5_response("", salt, response));
  // Known value: salt 01 02 03 04 for user "user", password "pencil".
  EXPECT_TRUE(verify_md5_response(verifier, std::string("\x01\x02\x03\x04", 4), "md54376eb6913b38f9aaff38dc7cf19ca76"));
}

TEST(Md5Auth, SaltsDiffer) {
  EXPECT_NE(make_md5_salt(), make_md5_salt());  // 2^-32 chance of a spurious failure
}

TEST(GeneratePassword, AlphanumericOfRequestedLength) {
  std::string a = generate_password();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_TRUE(is_alphanumeric(a)) << a;
  EXPECT_NE(a, generate_password());
  EXPECT_EQ(generate_password(0), "");
  std::string long_one = generate_password(1000);
  EXPECT_EQ(long_one.size(), 1000u);
  EXPECT_TRUE(is_alphanumeric(long_one));
}

}  // namespace
}  // namespace mallard::pgwire
