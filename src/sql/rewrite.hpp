#pragma once
// Translation of PostgreSQL dialect that DuckDB rejects or reads differently, applied to each
// statement before DuckDB prepares it. Statements with nothing to translate are returned unchanged
// without being parsed (the check is a cheap scan), so the common path costs nothing.

#include <string>

namespace mallard::sql {

// The statement as DuckDB should run it. Throws Error 0A000 for PostgreSQL constructs that cannot
// be honoured, rather than letting them mean something else.
std::string rewrite_for_duckdb(const std::string &statement);

}  // namespace mallard::sql

#include <vector>

namespace mallard::sql {

// PostgreSQL statements that act on several objects where DuckDB takes one
// (`DROP TABLE a, b`, `TRUNCATE a, b`): the equivalent single-object statements, to be run in one
// transaction. Empty when the statement is not such a statement.
std::vector<std::string> expand_multi_object(const std::string &statement);

}  // namespace mallard::sql
