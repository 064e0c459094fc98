#include "cockroach.hpp"

#include <vector>

#include "statement.hpp"

namespace mallard::faultproxy {

namespace {

bool is_word(const Token &t, std::string_view w) { return t.kind == Token::kWord && t.text == w; }

// COPY ... TO with BINARY, WITH BINARY, (FORMAT binary), (FORMAT 'binary') or (FORMAT "binary").
bool binary_copy_to(const std::vector<Token> &tokens) {
  if (tokens.empty() || !is_word(tokens[0], "copy")) return false;
  // The direction is the first TO or FROM outside parentheses: a COPY (query) may contain either.
  size_t to = 0;
  int depth = 0;
  for (size_t i = 1; i < tokens.size() && to == 0; ++i) {
    const Token &t = tokens[i];
    if (t.kind == Token::kOther && t.text == "(") ++depth;
    if (t.kind == Token::kOther && t.text == ")") --depth;
    if (depth != 0) continue;
    if (is_word(t, "from")) return false;
    if (is_word(t, "to")) to = i;
  }
  if (to == 0) return false;
  for (size_t i = to + 1; i < tokens.size(); ++i) {
    if (is_word(tokens[i], "binary")) return true;
    if (is_word(tokens[i], "format") && i + 1 < tokens.size()) {
      const Token &arg = tokens[i + 1];
      // Quoted forms are case-sensitive in PostgreSQL too: 'BINARY' is not a format.
      if ((arg.kind == Token::kString && arg.text == "'binary'") ||
          (arg.kind == Token::kQuotedIdentifier && arg.text == "binary"))
        return true;
    }
  }
  return false;
}

bool references_ctid(const std::vector<Token> &tokens) {
  for (const Token &t : tokens)
    if ((t.kind == Token::kWord || t.kind == Token::kQuotedIdentifier) && t.text == "ctid") return true;
  return false;
}

constexpr const char *kRestartPrefix = "restart transaction: TransactionRetryWithProtoRefreshError: ";
constexpr const char *kRetryHint = "See: https://www.cockroachlabs.com/docs/stable/transaction-retry-error-reference.html";

}  // namespace

std::optional<Refusal> refusal(std::string_view statement) {
  auto tokens = tokenize(statement);
  if (binary_copy_to(tokens))
    return Refusal{Refusal::kBinaryCopyTo, {"0A000", "unimplemented: binary format for COPY TO not implemented", {}}};
  // CockroachDB has no ctid: name resolution fails as for any unknown column.
  if (references_ctid(tokens)) return Refusal{Refusal::kCtid, {"42703", "column \"ctid\" does not exist", {}}};
  return std::nullopt;
}

std::string restart_transaction(std::string_view cause) { return kRestartPrefix + std::string(cause); }

CockroachError injected_restart(bool at_commit) {
  std::string cause = at_commit ? "TransactionRetryError: retry txn (RETRY_SERIALIZABLE - failed preemptive refresh): "
                                  "injected at COMMIT by faultproxy"
                                : "TransactionRetryError: retry txn (RETRY_WRITE_TOO_OLD): injected by faultproxy";
  return {"40001", restart_transaction(cause), kRetryHint};
}

}  // namespace mallard::faultproxy
