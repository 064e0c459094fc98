#pragma once
// Where the PostgreSQL catalog emulation lives: an in-memory DuckDB database attached to each
// warehouse. control/catalog creates its objects; sql/rewrite points catalog references at them.

namespace mallard {

inline constexpr const char *kPgCompatCatalog = "pg_compat";

}  // namespace mallard
