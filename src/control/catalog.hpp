#pragma once
// PostgreSQL catalog emulation installed into each warehouse's DuckDB database at activation:
// what pg_catalog / information_schema objects and functions clients query on connect and when
// browsing a schema, beyond what DuckDB provides itself.

#include "control/activity.hpp"
#include "control/advisory_locks.hpp"
#include "duck/duck.hpp"

namespace mallard::control {

// Runs once per warehouse activation. The catalog reads the warehouse's sessions and advisory
// locks (pg_stat_activity, pg_locks), which must outlive the database.
void install_pg_catalog(duck::Connection &conn, Activity &activity, AdvisoryLocks &locks);

}  // namespace mallard::control
