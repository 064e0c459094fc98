#pragma once
// PostgreSQL catalog emulation installed into each warehouse's DuckDB database at activation:
// what pg_catalog / information_schema objects and functions clients query on connect and when
// browsing a schema, beyond what DuckDB provides itself.

#include <functional>
#include <memory>

#include "control/activity.hpp"
#include "control/advisory_locks.hpp"
#include "duck/duck.hpp"
#include "lake/catalog.hpp"

namespace mallard::control {

// The lake snapshot the warehouse's views show (null before the lake is open).
using ShownSnapshot = std::function<std::shared_ptr<const lake::Snapshot>()>;
// setval(sequence, value, is_called) of the warehouse's lake (lake::Lake::setval).
using SetSequence = std::function<void(std::string_view, int64_t, bool)>;

// Runs once per warehouse activation. The catalog reads the warehouse's sessions and advisory
// locks (pg_stat_activity, pg_locks), which must outlive the database, and the lake tables' row
// counts and sizes (pg_class.reltuples and relpages, pg_stat_*_tables.n_live_tup) from `shown`;
// setval() goes to `setval`.
void install_pg_catalog(duck::Connection &conn, Activity &activity, AdvisoryLocks &locks, ShownSnapshot shown,
                        SetSequence setval);

}  // namespace mallard::control
