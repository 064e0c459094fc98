#pragma once
// How the proxy reads one SQL statement: its tokens, with literals and comments told apart by
// PostgreSQL's lexical rules (the project's shared lexer), and its role in a transaction.

#include <string>
#include <string_view>
#include <vector>

namespace mallard::faultproxy {

struct Token {
  enum Kind { kWord, kQuotedIdentifier, kString, kOther };
  Kind kind = kOther;
  // kWord: lower-cased, as PostgreSQL folds unquoted names; kQuotedIdentifier: the name between
  // the quotes; kString: the literal as written; kOther: the character or number as written.
  std::string text;
};

std::vector<Token> tokenize(std::string_view statement);

enum class Role {
  kBegin,     // BEGIN, START TRANSACTION
  kCommit,    // COMMIT, END
  kRollback,  // ROLLBACK, ABORT (of the whole transaction)
  kControl,   // session and savepoint control: SET, SHOW, SAVEPOINT, RELEASE, ROLLBACK TO, ...
  kData,      // everything that reads or writes data or schema: what a retry error can hit
};

Role role_of(std::string_view statement);

}  // namespace mallard::faultproxy
