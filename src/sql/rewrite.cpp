#include "sql/rewrite.hpp"

namespace mallard::sql {

std::string rewrite_for_duckdb(const std::string &statement) { return statement; }

}  // namespace mallard::sql
