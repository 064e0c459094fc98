#pragma once
// Where the PostgreSQL catalog emulation lives: an in-memory DuckDB database attached to each
// warehouse. control/catalog creates its objects; sql/rewrite points catalog references at them.

#include <string_view>

namespace mallard {

inline constexpr const char *kPgCompatCatalog = "pg_compat";

// The PostgreSQL release Mallard presents itself as (server_version, version()).
inline constexpr const char *kPgServerVersion = "15.8";
inline constexpr const char *kPgServerVersionNum = "150008";

// PostgreSQL's advisory-lock functions. The session runs a SELECT that is one call of them
// (pgwire::Session::run_advisory); anywhere else their pg_compat macros raise 0A000.
inline constexpr std::string_view kAdvisoryLockFunctions[] = {
    "pg_advisory_lock",          "pg_advisory_lock_shared",          "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared", "pg_advisory_xact_lock",          "pg_advisory_xact_lock_shared",
    "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared", "pg_advisory_unlock",
    "pg_advisory_unlock_shared", "pg_advisory_unlock_all"};

// jsonb's operators DuckDB lacks, as operators of other names that Mallard registers
// (control/catalog) and the rewrite writes (sql/rewrite): ? ?| ?& always, @> <@ || where an
// operand is visibly json.
inline constexpr const char *kJsonbHasKey = "~<", *kJsonbHasAnyKey = "~<|", *kJsonbHasAllKeys = "~<&",
                            *kJsonbContains = "~<@", *kJsonbContainedBy = "~@<", *kJsonbConcat = "~<+";

// Whether an advisory-lock function answers true/false (the try_ and unlock ones) rather than
// void.
inline bool advisory_answers_bool(std::string_view f) {
  return f.find("try_") != std::string_view::npos ||
         (f.find("unlock") != std::string_view::npos && f != "pg_advisory_unlock_all");
}

}  // namespace mallard
