#pragma once
// The statement router: recognises DDL and DML on lake objects and describes them for the lake
// layer. Everything else (queries, temp objects, DuckDB-only statements) goes to DuckDB as it is.
// Recognition works on PostgreSQL's lexical tokens, so the spans it reports can be spliced.

#include <optional>
#include <string_view>

#include "lake/statement.hpp"

namespace mallard::sql {

// nullopt: not a lake statement. Throws 0A000 for lake statements Mallard cannot honour.
std::optional<lake::Statement> route_lake(std::string_view text);

// A table read at an earlier snapshot: `name AT (VERSION => expr)` or `AT (TIMESTAMP => expr)`.
struct TimeTravel {
  lake::QualifiedName name;
  size_t end = 0;  // just past the closing parenthesis
  bool by_version = true;
  std::string expr;
  bool aliased = false;  // an alias follows the clause
};
std::vector<TimeTravel> find_time_travel(std::string_view text);

// A call table_changes(table, from, to) in a FROM clause: its span and argument texts.
struct TableChangesCall {
  size_t begin = 0, end = 0;
  std::vector<std::string> args;
};
std::vector<TableChangesCall> find_table_changes(std::string_view text);

// The (possibly qualified) name that starts at byte `offset` of `text`.
std::optional<lake::QualifiedName> name_at(std::string_view text, size_t offset);

}  // namespace mallard::sql
