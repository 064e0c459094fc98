#pragma once
// One client connection: startup and authentication, then the simple and extended query
// protocols, COPY, transaction status and session settings. Runs on its own thread; cancel() and
// terminate() may be called from others.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "control/warehouse.hpp"
#include "duck/duck.hpp"
#include "lake/statement.hpp"
#include "pgwire/stream.hpp"
#include "pgwire/types.hpp"
#include "sql/statement.hpp"

namespace mallard::pgwire {

class Server;
struct CopyOptions;

// A parameter value of unknown type as SQL: a number stays a number, anything else is quoted.
std::string untyped_literal(const std::string &v);

// The highest $n placeholder number in a statement (outside quotes and comments).
size_t count_parameters(std::string_view text);

// RowDescription's table OID and column number of a result column that is a relation's column as
// it is; zero for the rest, as in PostgreSQL.
struct ColumnOrigin {
  uint32_t table = 0;
  int16_t column = 0;
  // A lake column declared character varying or character(n): its PostgreSQL type and modifier,
  // sent for the text DuckDB gives (the same bytes on the wire). 0: the result's own type.
  uint32_t char_type = 0;
  int32_t char_typmod = -1;
};

// A RowDescription field's table OID, column number, type OID, type length and type modifier.
void put_field_origin(std::string &out, const ColumnOrigin &o, const PgType &t);

struct PreparedStatement {
  std::string text;
  sql::Classified cls;
  duck::Prepared prepared;  // empty for statements Mallard runs itself (SET, SHOW, BEGIN, COPY...)
  std::vector<uint32_t> param_oids;
  bool returns_rows = false;
  // A statement DuckDB takes one object at a time for (DROP TABLE a, b): run as these, together.
  std::vector<std::string> expanded;
  // Parameters no type can be found for (`$1 - 100` with no declared type): PostgreSQL treats them
  // as untyped literals, so their values are written into the statement as string literals at
  // Execute, and `prepared` (with NULL in their place) only describes the statement.
  std::vector<bool> inline_params;
  std::string exec_text;
  // A statement on lake objects the lake runs at Execute (DDL, DELETE, UPDATE, ...).
  std::optional<lake::Statement> lake;
  // For Describe, a plan never executed: a lake statement's RETURNING columns over the same rows,
  // or `prepared` with NULLs for parameters when DuckDB left its result unresolved.
  duck::Prepared described;
  const duck::Prepared &describing_plan() const { return described ? described : prepared; }
  // INSERT into lake tables, prepared against their staging tables: the tables it may write.
  std::vector<int64_t> lake_tables;
  bool lake_write() const { return lake.has_value() || !lake_tables.empty(); }
  bool no_cache = false;  // the plan depends on more than the text (time travel, set_config)
  // The result columns' names as PostgreSQL gives them (empty: DuckDB's names stand).
  std::vector<std::string> column_names;
  // SELECT set_config(...) alone: applied at Execute, before `prepared` returns the value.
  std::optional<sql::SetConfigCall> set_config;
  // SELECT pg_[try_]advisory_... alone: the lock is taken or released at Execute; the row is its
  // answer.
  std::optional<sql::LoneCall> advisory;
  uint64_t binding_epoch = 0;  // Session::plan_epoch() when `prepared` was made
  uint64_t staging_epoch = 0;  // lake::Session::staging_epoch() then (a lake INSERT's target)
  bool sql_prepared = false;   // made by SQL PREPARE: `text` casts each declared parameter
  std::vector<ColumnOrigin> column_origins;  // one per result column, or empty (all zero)
  std::pair<int64_t, uint64_t> origins_key{-2, 0};  // Session::relations_key() they were found with
};

struct Portal {
  std::shared_ptr<PreparedStatement> stmt;
  // Decoded at Bind (so bad input fails there, as in PostgreSQL); an empty handle is NULL.
  std::vector<duck::Value> values;
  std::vector<int16_t> result_format_codes;
  bool started = false;
  bool done = false;
  // Result rows: a streaming result, or chunks pulled into memory when another statement had to
  // run on the connection while this portal was suspended.
  duck::Result result;
  bool streaming = false;
  std::deque<duck::DataChunk> buffered;
  duck::Prepared own_plan;  // the plan with inlined parameter values, when the statement needs one
  duck::DataChunk chunk;
  uint64_t chunk_row = 0, chunk_size = 0;
  std::vector<std::unique_ptr<ColumnEncoder>> encoders;
  std::vector<Format> formats;
  std::vector<std::string> column_names;
  uint64_t rows = 0;  // rows sent by the current Execute
  std::string done_tag;
  std::string fixed_tag;
  bool exhausted = false;  // every row is in `buffered`; the result is gone  // the tag whatever the rows sent (a lake DELETE ... RETURNING)
  // SQL cursors: WITH HOLD ones outlive the transaction (materialized at COMMIT).
  bool holdable = false;
  bool held = false;
  duckdb_statement_type stype = DUCKDB_STATEMENT_TYPE_INVALID;
};

class Session {
 public:
  Session(Server &server, std::unique_ptr<Stream> stream, int32_t pid);
  ~Session();
  void run();
  // From other threads.
  void cancel(int32_t key);
  void terminate();
  // pg_cancel_backend from a session of the same warehouse (no key).
  void cancel_statement();

 private:
  void interrupt_connection();
  enum class TxStatus : char { kIdle = 'I', kInTransaction = 'T', kFailed = 'E' };
  enum class Interrupt : int { kNone = 0, kUser = 1, kTimeout = 2, kShutdown = 3 };

  // Startup and authentication; false closes the connection.
  bool startup();
  bool authenticate(const std::string &user);
  bool read_startup_packet(std::string &body);
  void send_startup_parameters();

  // Message loop.
  void serve();
  bool read_message(char &type, std::string &body, int timeout_ms);
  void dispatch(char type, std::string_view body);
  void handle_query(std::string_view text);
  void handle_parse(std::string_view body);
  void handle_bind(std::string_view body);
  void handle_describe(std::string_view body);
  void handle_execute(std::string_view body);
  void handle_close(std::string_view body);
  void handle_sync();
  void bind_values(Portal &p);
  void end_implicit_transaction(bool commit);

  // Statement execution shared by both protocols.
  std::shared_ptr<PreparedStatement> prepare(const std::string &text, const std::vector<uint32_t> &declared);
  std::shared_ptr<PreparedStatement> prepare_uncached(const std::string &text, const std::vector<uint32_t> &declared);
  std::shared_ptr<PreparedStatement> prepare_execute(const std::string &text);
  void run_prepare(const std::string &text);
  static void refuse_unsupported_utility(const std::string &tag);
  void start_portal(Portal &p);
  void start_plain_portal(Portal &p);
  // The portal's result is a row set: its encoders and formats, ready to stream.
  void open_result_columns(Portal &p);
  // Sends up to max_rows DataRows (0 = all); true when the portal finished.
  bool send_rows(Portal &p, uint64_t max_rows);
  void finish_portal(Portal &p);
  void send_row_description(const Portal &p, const std::vector<Format> *formats = nullptr);
  void describe_columns(const PreparedStatement &s, const std::vector<int16_t> &format_codes);
  void run_utility(Portal &p);
  void run_set(const std::string &text);
  void run_discard(const Portal &running);
  void deallocate_all();
  // set_config(name, value, is_local) run as a statement of its own: as SET [LOCAL].
  void run_set_config(std::string name, const std::string &value, bool local);
  // An advisory-lock function run for this session; returns the result as a SQL literal.
  std::string run_advisory(const sql::LoneCall &call, const Portal &p);
  void assign_setting(const std::string &name, const std::string &value);
  std::shared_ptr<PreparedStatement> show_statement(const std::string &text);
  void run_copy(Portal &p);
  void run_cursor(Portal &p);
  // The parameters of DECLARE ... CURSOR FOR query: the query's.
  void declare_parameters(PreparedStatement &s, const std::vector<uint32_t> &declared);
  // The cursor a FETCH statement reads (not MOVE), if it exists.
  Portal *fetched_cursor(const PreparedStatement &s);
  static std::vector<Format> formats_of(const std::vector<int16_t> &codes, size_t columns);
  // SAVEPOINT / RELEASE / ROLLBACK TO (session_savepoints.cpp).
  void run_savepoint(Portal &p);
  void note_for_savepoints(const PreparedStatement &s);
  void copy_in(const CopyOptions &opts, const std::string &schema, const std::string &table,
               const std::vector<std::string> &columns, std::string &tag);
  void copy_out(const CopyOptions &opts, const std::string &query, std::string &tag);
  void materialize_open_portals(Portal *except);
  void end_transaction_portals();

  // Transactions: the DuckDB transaction and the lake's. A transaction that wrote the lake
  // commits it (data files, then one metadata snapshot) and then discards the DuckDB side, whose
  // staging tables only ever held this transaction's rows.
  // External metadata stores have other writers (other Mallard processes, other tools): before a
  // client transaction or an autocommit statement begins, the lake's views are brought to the
  // store's latest snapshot. Embedded stores have no other writer; this does nothing for them.
  void refresh_lake();
  // Whether a statement outside a transaction block may read or write lake objects, and so needs
  // the latest snapshot first; transaction control, SET and SHOW do not.
  static bool begins_work(const std::string &text);
  void tx_begin();
  void tx_commit();
  void tx_rollback() noexcept;
  bool in_transaction() const { return tx_ != TxStatus::kIdle || implicit_tx_ || implicit_block_; }
  void run_lake(Portal &p);
  // The lake statement `text` is, unless it is not one or it names a temp object.
  std::optional<lake::Statement> route_to_lake(const std::string &text);
  void refuse_unsupported_writes(const std::string &text);
  // `t AT (VERSION => n)` / `AT (TIMESTAMP => ts)` replaced by a read of t at that snapshot.
  std::string with_time_travel(const std::string &text);
  // Pulls a portal's remaining rows into memory (before an autocommit write commits).
  void buffer_rows(Portal &p);
  bool is_temp_table(const std::string &schema, const std::string &table);

  // Settings.
  void set_guc(const std::string &name, const std::string &value, bool from_startup);
  std::optional<std::string> get_guc(const std::string &name) const;
  void publish_settings();
  // Applies a TimeZone value; returns its display form (SHOW TimeZone).
  std::string apply_timezone(const std::string &zone);
  void apply_search_path(const std::string &value);

  // Execution guard: arms statement_timeout and maps interrupts to the right message.
  // Arms statement_timeout for the statement being run and disarms it on scope exit.
  class Running {
   public:
    explicit Running(Session &s);
    ~Running();
    Running(const Running &) = delete;
    Running &operator=(const Running &) = delete;

   private:
    Session &s_;
    uint64_t timer_ = 0;
  };
  Error interrupted_error(const Error &e);
  Error worker_error(const Error &e, duckdb_statement_type type, const std::function<void()> &run_again);

  // Output.
  void send_error(const Error &e, bool fatal = false);
  void send_notice(const std::string &sqlstate, const std::string &message, const char *severity = "WARNING");
  void send_parameter_status(const std::string &name, const std::string &value);
  void send_ready();
  void send_command_complete(const std::string &tag);
  bool flush();
  void maybe_flush();

  Server &server_;
  std::unique_ptr<Stream> stream_;
  int32_t pid_;
  int32_t secret_key_ = 0;
  std::string out_;
  bool dead_ = false;  // the client is gone or the session must end

  std::string user_, database_;
  std::shared_ptr<control::Warehouse> warehouse_;
  control::Activity::Handle activity_;  // this session's row of pg_stat_activity
  std::unique_ptr<duck::Connection> conn_;
  TxStatus tx_ = TxStatus::kIdle;
  bool skip_until_sync_ = false;
  bool discard_rows_ = false;  // set while MOVE advances a cursor
  // Extended-protocol messages up to Sync run in one implicit transaction, as in PostgreSQL.
  bool implicit_tx_ = false;
  bool in_extended_ = false;  // messages since the last Sync belong to the extended protocol
  bool implicit_block_ = false;  // several statements of one simple Query, in one transaction
  std::unique_ptr<lake::Session> lake_;
  TextOptions text_options_;

  struct Guc {
    std::string value;
    bool report = false;
  };
  std::map<std::string, Guc> gucs_;
  // Settings changed in the current transaction, as PostgreSQL undoes them: their value before it
  // (none for a custom setting it created), the value a plain SET gave (what COMMIT keeps), and
  // whether SET LOCAL changed them (COMMIT then goes back to that value, or the one before).
  struct TxSetting {
    std::optional<Guc> before;
    std::optional<std::string> session_value;
    bool local = false;
  };
  std::map<std::string, TxSetting> tx_settings_;
  void note_setting(const std::string &name, bool local);
  void note_session_value(const std::string &name);
  void end_transaction_settings(bool committed);
  int64_t statement_timeout_ms_ = 0;
  int64_t idle_in_tx_timeout_ms_ = 0;

  std::map<std::string, std::shared_ptr<PreparedStatement>> statements_;
  // Plans of SELECTs by text and declared parameter types, reused when the same text comes again
  // (planning dominates short queries). Any other kind of statement clears it, so settings and
  // DDL never meet a stale plan; DuckDB itself rebinds a plan whose catalog entries changed.
  // Sharing one plan between portals is safe: executions on a connection are serialized and a
  // suspended portal is materialized before another execution starts.
  std::map<std::string, std::shared_ptr<PreparedStatement>> plan_cache_;
  // Statements run that may have changed data. DuckDB plans with the statistics of the rows a table
  // holds then (its own uncommitted ones included) and may drop a filter those prove always true or
  // false, yet it keeps a prepared plan while only data changes. So a plan made before a write is
  // made again before it runs (see plan_epoch()).
  uint64_t writes_ = 0;
  // Changes whenever a plan prepared before may be wrong now: after a write of this session, or when
  // a lake table's name reads other rows for this session (lake::Session::binding_epoch()).
  uint64_t plan_epoch() const;
  // The statement as DuckDB must read it while the transaction reads tables it changed the columns
  // of through relations of its own (lake::Session::redirect()).
  std::string redirected(const std::string &text);
  std::map<std::string, std::unique_ptr<Portal>> portals_;
  // Result columns' origins (session_columns.cpp): the relations a SELECT names, resolved as DuckDB
  // resolves them, with their columns, cached until the lake's names or this session's DDL or
  // search path change (relations_key()).
  struct RelationColumns {
    uint32_t oid = 0;
    std::vector<std::string> columns;  // column number i + 1
    std::vector<std::pair<uint32_t, int32_t>> char_types;  // per column: see ColumnOrigin (0: none)
  };
  std::map<std::pair<std::string, std::string>, std::optional<RelationColumns>> relations_;
  std::pair<int64_t, uint64_t> relations_key_{-2, 0};
  std::optional<int64_t> tx_schema_version_;  // the lake schema version the open transaction reads
  uint64_t ddl_ = 0;  // DDL statements prepared, search_path changes
  std::vector<std::string> search_schemas_{"main"};
  std::pair<int64_t, uint64_t> relations_key() const;
  const RelationColumns *relation_columns(const std::string &schema, const std::string &name);
  std::vector<ColumnOrigin> column_origins(const sql::SelectShape &shape, size_t columns);
  std::optional<std::string> expand_create_like(const std::string &text);
  // Finds the origins of a prepared SELECT's result columns (none without a shape).
  void set_column_origins(PreparedStatement &ps, const sql::SelectShape *shape);
  // Savepoints of the current transaction block, innermost last, each with the count of
  // statements that could change anything (changes_) when it was set.
  // The session's settings as they were at the savepoint, which ROLLBACK TO restores.
  struct Savepoint {
    std::string name;
    uint64_t changes = 0;
    std::map<std::string, Guc> gucs;
    std::map<std::string, TxSetting> tx_settings;
  };
  std::vector<Savepoint> savepoints_;
  // Statements in the transaction that ROLLBACK TO SAVEPOINT cannot undo (session_savepoints.cpp).
  uint64_t changes_ = 0;
  void restore_settings(const Savepoint &sp);

  std::atomic<int> interrupt_{0};
  std::atomic<bool> terminating_{false};
  // Cancel and shutdown reach the DuckDB connection from other threads only through this, so it
  // is never interrupted while being opened or closed.
  std::mutex conn_mu_;
  duck::Connection *live_conn_ = nullptr;
};

}  // namespace mallard::pgwire
