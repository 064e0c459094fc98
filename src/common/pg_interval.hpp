#pragma once
// PostgreSQL's interval input forms that DuckDB's cast does not read, turned into text it reads.

#include <optional>
#include <string>
#include <string_view>

namespace mallard {

// ISO 8601 with designators (P1Y2M3DT4H5M6.5S, PT0.5S, fractions as PostgreSQL spreads them),
// SQL-standard fields (1-2 for years-months, a day count before a time: 3 4:05:06) and explicit
// '+' signs ('-1 days +02:03:00', PostgreSQL's own output) become "<m> months <d> days <us>
// microseconds" or the text without the '+'. nullopt when the text is none of these: DuckDB's
// cast then reads it (or rejects it).
std::optional<std::string> interval_for_duckdb(std::string_view text);

}  // namespace mallard
