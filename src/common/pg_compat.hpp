#pragma once
// Where the PostgreSQL catalog emulation lives: an in-memory DuckDB database attached to each
// warehouse. control/catalog creates its objects; sql/rewrite points catalog references at them.

namespace mallard {

inline constexpr const char *kPgCompatCatalog = "pg_compat";

// The PostgreSQL release Mallard presents itself as (server_version, version()).
inline constexpr const char *kPgServerVersion = "15.8";
inline constexpr const char *kPgServerVersionNum = "150008";

}  // namespace mallard
