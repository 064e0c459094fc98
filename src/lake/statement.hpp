#pragma once
// A statement on lake objects, as the statement router (sql/) understood it, and how the lake
// runs it inside the client's DuckDB transaction. Text pieces are spans of the original SQL, so
// DuckDB still does the typing, casting, defaults and NOT NULL checks.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "duck/duck.hpp"
#include "lake/lake.hpp"

namespace mallard::lake {

struct QualifiedName {
  std::string schema;  // empty: the default schema
  std::string name;
  size_t begin = 0, end = 0;  // span in the statement text
};

// FOREIGN KEY (columns) REFERENCES table [(ref_columns)], as a statement declares it.
struct ForeignKeySpec {
  std::string name;  // CONSTRAINT name; empty: PostgreSQL's default
  std::vector<std::string> columns;
  QualifiedName table;
  std::vector<std::string> ref_columns;  // empty: the referenced table's primary key
  char on_delete = 'a', on_update = 'a';  // 'a' NO ACTION, 'r' RESTRICT
  bool deferrable = false, deferred = false;
};

// A column declared character varying [(n)] or character(n) (char alone is character(1)):
// DuckDB's types have neither, so the router reads them with PostgreSQL's parser.
struct ColumnCharType {
  std::string column;
  CharType type;
};

struct AlterAction {
  enum class Kind { kAddColumn, kDropColumn, kRenameColumn, kRenameTable, kSetDefault, kDropDefault, kSetNotNull,
                    kDropNotNull, kSetType, kAddKey, kDropConstraint, kDropIndex };
  Kind kind;
  std::string column;  // the column acted on; the key's name (kAddKey: empty for the default)
  // Column definition, new name, default expression or type; kAddKey: "PRIMARY KEY", "UNIQUE",
  // "UNIQUE INDEX" or "INDEX".
  std::string text;
  std::vector<std::string> columns;  // kAddKey: the key's columns
  // kAddKey of a FOREIGN KEY (text "FOREIGN KEY"); kAddColumn: the column's REFERENCES (its
  // columns empty: the column added).
  std::optional<ForeignKeySpec> foreign;
  std::optional<ColumnCharType> char_type;  // kAddColumn, kSetType: the type, when it is one of those
  bool if_exists = false, if_not_exists = false;
  bool cascade = false;  // DROP COLUMN / DROP CONSTRAINT ... CASCADE
};

struct Statement {
  enum class Kind { kCreateSchema, kDropSchema, kCreateTable, kDropTable, kCreateView, kDropView, kInsert, kDelete,
                    kUpdate, kTruncate, kAlterTable, kComment, kMaintenance, kSetOption, kCreateIndex, kDropIndex };
  Kind kind;
  std::string text;
  std::string original;  // the statement as given (text may have clauses taken out)
  QualifiedName target;
  std::vector<QualifiedName> more;  // DROP TABLE a, b / TRUNCATE a, b
  bool if_exists = false, if_not_exists = false, cascade = false, or_replace = false, as_select = false;
  // INSERT whose source reads the target table: its rows are gathered before any is inserted.
  bool reads_target = false;
  bool restart_identity = false;  // TRUNCATE ... RESTART IDENTITY
  // INSERT ... ON CONFLICT [(columns) | ON CONSTRAINT name] DO NOTHING | DO UPDATE SET ... [WHERE
  // ...] (the clause is taken out of text; DO UPDATE's assignments go to `set`, its condition to
  // `where`): rows whose key is taken are left out (DO NOTHING) or update the row that has it.
  enum class OnConflict { kNone, kNothing, kUpdate } on_conflict = OnConflict::kNone;
  std::vector<std::string> conflict_columns;
  std::string conflict_constraint;
  std::string columns;  // INSERT column list, with parentheses
  // INSERT ... VALUES without a column list: where the source begins, and the width of its first
  // row (PostgreSQL fills the columns a shorter row leaves out with their defaults); else 0.
  size_t body_begin = 0, values_width = 0;
  // INSERT: the column list's names (empty without one), and the VALUES elements that are a bare
  // string literal: PostgreSQL types those by their target column (bytea reads '\x..' as hex).
  std::vector<std::string> column_names;
  struct Literal {
    size_t column, begin, end;  // position in its row; span in the statement text
  };
  std::vector<Literal> values_literals;
  std::string alias;
  std::string from;   // DELETE ... USING / UPDATE ... FROM list
  std::string where;  // the condition, without WHERE
  std::vector<std::pair<std::string, std::string>> set;  // UPDATE: column, expression
  std::vector<std::string> returning;                    // RETURNING items
  std::string body;                                      // CREATE VIEW query; COMMENT literal
  bool comment_on_view = false;
  std::string comment_column;  // COMMENT ON COLUMN target.column
  std::vector<AlterAction> actions;
  // CREATE TABLE: its FOREIGN KEY constraints, taken out of text (DuckDB would look for the
  // referenced table among its own).
  std::vector<ForeignKeySpec> foreign_keys;
  std::vector<ColumnCharType> char_types;  // CREATE TABLE: its columns of those types
  // CREATE [UNIQUE] INDEX [name] ON target (index_columns): the name is in body (empty: none given).
  bool unique = false;
  std::vector<std::string> index_columns;
  // CREATE TABLE / ALTER TABLE: a keyword that declares a constraint other than NOT NULL
  // (PRIMARY, UNIQUE, CHECK, REFERENCES, FOREIGN, CONSTRAINT) appears in the definitions. Without
  // one, the table DuckDB makes from them needs no look for constraints, which scans the catalog.
  bool may_declare_constraints = false;
};

// The outcome for the session: run `rows_sql` (if any) as the statement's result and report
// `tag` (with " <count>" appended when has_count).
struct Outcome {
  std::string tag;
  bool has_count = false;
  int64_t count = 0;
  std::string rows_sql;     // RETURNING rows (describing: the query that types the parameters)
  std::string result_sql;   // describing: a query with the RETURNING rows' columns
  std::string rewritten;    // INSERT: the statement to prepare instead (target = staging table)
  std::vector<int64_t> written_tables;  // existing table ids whose staging this statement may fill
  // NOTICEs for the client: the SQLSTATE PostgreSQL gives them (that of the error an IF [NOT]
  // EXISTS avoided, or 00000), and the text.
  std::vector<std::pair<std::string, std::string>> notices;
};

// State of one client transaction on the lake; reset when the DuckDB transaction ends.
class Session {
 public:
  explicit Session(Lake &lake) : lake_(lake) {}
  Lake &lake() { return lake_; }
  // Whether the running transaction changed anything in the lake.
  bool dirty() const { return !changes_.empty() || !touched_.empty() || !changes_.created_tables.empty(); }
  // Changes whenever what a lake table's name means to DuckDB changes for this connection alone
  // (a transaction staged its first deletes in a table, or ended): DuckDB does not notice that,
  // so plans prepared before must be prepared again.
  uint64_t binding_epoch() const { return binding_epoch_; }
  // Changes whenever a lake table's staging table, which a prepared INSERT writes to, moves (the
  // transaction changed the table's columns, or ended after doing so).
  uint64_t staging_epoch() const { return staging_epoch_; }
  // Tables whose columns or name this transaction changed are read through relations of its own
  // until it commits: whether there are any, and the one for a table as a statement names it
  // (catalog and schema empty when not given), if it is such a table.
  bool redirects() const { return redirects_; }
  // Whether kAlteredVariable lists tables for the catalogs (views.hpp).
  bool shows_changes() const { return changed_shown_; }
  std::optional<std::string> redirect(const std::string &catalog, const std::string &schema,
                                      const std::string &name) const;
  void touch(const std::vector<int64_t> &tables) {
    for (int64_t id : tables)
      if (id >= 0) touched_.insert(id);
    unchecked_.insert(tables.begin(), tables.end());
  }
  // Only INSERT is prepared ahead (its plan stays valid); everything else runs at execution.
  Outcome prepare_insert(duck::Connection &conn, const Statement &st);
  Outcome execute(duck::Connection &conn, const Statement &st);
  // Describing a DELETE/UPDATE (or an INSERT reading its target) without running it: the query it
  // evaluates first, with the statement's $n parameters (preparing it tells their types), and one
  // whose columns are those of its RETURNING rows. Either is empty where there is none.
  struct Description {
    std::string params_sql, returning_sql;
  };
  Description describe(duck::Connection &conn, const Statement &st);
  // COPY FROM into a lake table: the staging table to append to.
  std::pair<std::string, std::string> copy_target(duck::Connection &conn, const std::string &schema,
                                                  const std::string &name);
  // Savepoints, numbered by depth (1 = outermost): each keeps a copy of the staging of every lake
  // table written after it was set, taken before the first such write, so ROLLBACK TO can put
  // the staged rows back as they were. What the statements wrote is all a lake transaction
  // changes in DuckDB; other changes (DDL) are refused by the client session's own accounting.
  void savepoint(size_t depth);
  void release(duck::Connection &conn, size_t depth);  // that savepoint and newer ones go
  void rollback_to(duck::Connection &conn, size_t depth);  // it stays; newer ones go
  // A prepared INSERT into these tables (ids; -1: a table created in this transaction) is about
  // to run.
  void before_insert(duck::Connection &conn, const std::vector<int64_t> &tables);
  // Checks the PRIMARY KEY and UNIQUE constraints of the tables written since the last check
  // against all their rows as this transaction sees them: 23505 naming the first duplicate key.
  // Called when a statement that wrote lake rows is done, and before commit.
  void check_keys(duck::Connection &conn);
  // Whether check_keys() has anything to check.
  bool has_keys_to_check() const;
  // SET CONSTRAINTS {ALL | names} {DEFERRED | IMMEDIATE}: which DEFERRABLE foreign keys wait for
  // the commit for the rest of the transaction. Going IMMEDIATE checks what waited for them.
  void set_constraints(duck::Connection &conn, const std::vector<std::string> &names, bool deferred);
  // Commits the lake part of the transaction (data files + metadata). The caller then ends the
  // DuckDB transaction by ROLLBACK and calls finish().
  void commit(duck::Connection &conn);
  // After the DuckDB transaction ended on `conn`; `committed` when commit() wrote a snapshot.
  // Never throws.
  void finish(duck::Connection &conn, bool committed) noexcept;
  // An error DuckDB raised on a staging table, told in the user's terms: a NOT NULL violation
  // names the table and column as PostgreSQL does. Other errors come back unchanged.
  Error explain(const Error &e) const;
  // The session's search_path (PostgreSQL's, as DuckDB schema names): unqualified names are
  // created in its first schema and looked up in each in turn. Empty: nothing to create in.
  void set_search_path(std::vector<std::string> schemas) { search_path_ = std::move(schemas); }
  void set_commit_message(std::string author, std::string message) {
    author_ = std::move(author);
    message_ = std::move(message);
  }

 private:
  struct Resolved {
    const Table *table = nullptr;  // the definition this transaction sees
    int64_t id = -1;               // existing table id, or -1
    int new_index = -1;            // index in changes_.created_tables
    std::string schema;
    std::string ins, del, pos;     // staging objects
    std::string view;              // the relation its rows are read through
  };
  std::shared_ptr<const Snapshot> base(duck::Connection &conn);
  std::string schema_of(const QualifiedName &n) const;
  std::optional<Resolved> resolve(duck::Connection &conn, const QualifiedName &n);
  std::optional<Resolved> resolve_in(duck::Connection &conn, const QualifiedName &n);
  Resolved require(duck::Connection &conn, const QualifiedName &n);
  // The committed table that `name` in `schema` means to this transaction (renames it made
  // included), unless it dropped it.
  const Table *committed_table(const Snapshot &b, const std::string &schema, const std::string &name) const;
  // What this transaction has of committed table `t`: its changes so far, or none yet.
  TxnChanges::Alter alter_of(const Table &t) const;
  // Gives table `a` (in `schema`; a negative id: one created in this transaction) staging objects
  // for its definition, the rows staged so far moved there.
  void restage(duck::Connection &conn, TxnChanges::Alter &a, const std::string &schema);
  // The user-visible view of a table, qualified by the lake's catalog.
  std::string catalog_view(const std::string &schema, const std::string &name) const;
  // The relation the rows of table `a` are read through, in `schema`.
  std::string rows_view(const TxnChanges::Alter &a, const std::string &schema) const;
  bool schema_exists(duck::Connection &conn, const std::string &schema);
  bool name_taken(duck::Connection &conn, const std::string &schema, const std::string &name);

  Outcome create_schema(duck::Connection &conn, const Statement &st);
  Outcome drop_schema(duck::Connection &conn, const Statement &st);
  Outcome create_table(duck::Connection &conn, const Statement &st);
  Outcome drop_table(duck::Connection &conn, const Statement &st, const QualifiedName &n);
  Outcome create_view(duck::Connection &conn, const Statement &st);
  Outcome drop_view(duck::Connection &conn, const Statement &st, const QualifiedName &n);
  void remove_selected(duck::Connection &conn, const Resolved &r, const std::string &sel);
  Outcome delete_rows(duck::Connection &conn, const Statement &st, bool truncate);
  Outcome truncate(duck::Connection &conn, const Statement &st);
  Outcome update_rows(duck::Connection &conn, const Statement &st);
  // INSERT ... ON CONFLICT (key `k`) DO UPDATE, its rows in temp.main.__mallard_new; `view` reads
  // the table. `o` is the INSERT's outcome so far.
  Outcome upsert(duck::Connection &conn, const Statement &st, const Resolved &r, const Key &k, const std::string &view,
                 Outcome &o);
  Outcome alter_table(duck::Connection &conn, const Statement &st);
  Outcome create_index(duck::Connection &conn, const Statement &st);
  Outcome drop_index(duck::Connection &conn, const Statement &st, const QualifiedName &n);
  // A table as this transaction defines it: its id (-(i + 1) for the i-th it created), schema
  // and the view its rows are read through.
  struct Current {
    const Table *table = nullptr;
    int64_t key = 0;
    std::string schema, view, ins;
  };
  std::vector<Current> current_tables(duck::Connection &conn);
  // The foreign key `spec` on `def` (in `schema`; `self_key` its id as in Current): resolved and
  // checked as PostgreSQL does, the rows already there included (read through `rows` if given,
  // else through the table's view as the transaction had it before the statement).
  Key foreign_key(duck::Connection &conn, const Table &def, int64_t self_key, const std::string &schema,
                  const ForeignKeySpec &spec, const std::string &rows = {});
  // Foreign keys that depend on table `key`'s columns `columns` (all: empty; with `whole_key`, on
  // its unique key of exactly those columns): 2BP01 naming `what` (and in its detail `depends_on`,
  // if given), or with `cascade`, dropped (a NOTICE each). Those of other tables, and with `self`
  // (the table's definition being altered) its own. Tables in `going` (schema, name) are dropped
  // by the same statement.
  void drop_dependent_keys(duck::Connection &conn, int64_t key, const std::vector<int64_t> &columns, bool cascade,
                           const std::string &what, Outcome &o, const std::string &depends_on = {},
                           const std::set<std::pair<std::string, std::string>> &going = {}, Table *self = nullptr,
                           bool whole_key = false);
  // Before a DROP CONSTRAINT / DROP INDEX action on `def` (table `key`): the foreign keys that
  // reference the unique key it drops, as drop_dependent_keys, the table's own ones included.
  void drop_key_dependents(duck::Connection &conn, Table &def, int64_t key, const AlterAction &a, Outcome &o);
  // The tables (schema, name) a DROP TABLE statement names.
  std::set<std::pair<std::string, std::string>> going(const Statement &st) const;
  // Checks the foreign keys whose referencing side is among `inserted` or whose referenced side
  // is among `deleted` (table keys as in Current; -1 also stands for every table created in this
  // transaction). Deferred ones wait for the commit unless `all`.
  void check_foreign_keys(duck::Connection &conn, const std::set<int64_t> &inserted, const std::set<int64_t> &deleted,
                          bool all);
  bool deferred(const Key &k) const;
  // The table in `schema` (this transaction's view of it) that has a key or index named `name`.
  std::optional<std::string> key_owner(duck::Connection &conn, const std::string &schema, const std::string &name);
  Outcome comment(duck::Connection &conn, const Statement &st);
  // Copies the staging tables for the innermost savepoint, unless it has them already.
  void preserve(duck::Connection &conn, const std::vector<std::string> &staging);
  Outcome comment_column(const std::shared_ptr<const Snapshot> &b, const std::string &schema, const Schema *sc,
                         const Statement &st, const std::optional<std::string> &value);

  Lake &lake_;
  // Staging tables of tables created in a transaction, by bare name: the table's name. Kept after
  // the transaction ends, for explain().
  std::map<std::string, std::string> created_names_;
  std::shared_ptr<const Snapshot> base_;
  TxnChanges changes_;
  std::set<int64_t> touched_;
  std::set<int64_t> unchecked_;  // tables with keys to check (ids; -1: those created in this transaction)
  std::set<int64_t> unchecked_deletes_;  // tables rows left, for the foreign keys that reference them
  // Tables whose deferred foreign keys wait for the commit: rows went in, or left.
  std::set<int64_t> deferred_inserts_, deferred_deletes_;
  // SET CONSTRAINTS: by name, and for ALL (the name "").
  std::map<std::string, bool> constraint_modes_;
  std::set<int64_t> shadowed_;  // tables whose rows macro this transaction replaced (views.hpp)
  uint64_t binding_epoch_ = 0, staging_epoch_ = 0;
  std::set<std::string> restart_counters_;  // TRUNCATE ... RESTART IDENTITY: counters reset at commit
  bool redirects_ = false;
  bool changed_shown_ = false;  // kAlteredVariable is set on the connection
  // Sets kAlteredVariable to the tables this transaction changed the columns of, and those it
  // created with character types.
  void show_changed(duck::Connection &conn);
  std::string author_, message_;
  std::vector<std::string> search_path_{"main"};
  bool describing_ = false;
  // Per savepoint (outermost first): staging table → the temporary copy of it at the savepoint.
  std::vector<std::map<std::string, std::string>> savepoints_;
  uint64_t copies_ = 0;
};

}  // namespace mallard::lake
