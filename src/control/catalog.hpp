#pragma once
// PostgreSQL catalog emulation installed into each warehouse's DuckDB database at activation:
// what pg_catalog / information_schema objects and functions clients query on connect and when
// browsing a schema, beyond what DuckDB provides itself.

#include "duck/duck.hpp"

namespace mallard::control {

// Idempotent; runs once per warehouse activation.
void install_pg_catalog(duck::Connection &conn);

}  // namespace mallard::control
