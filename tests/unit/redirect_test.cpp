// sql::redirect_relations (how a transaction that changed a table's columns reads it through its
// own relation), and what the router reads off ALTER TABLE and CREATE TABLE: an ADD COLUMN's inline
// REFERENCES, character types with their lengths.
#include <gtest/gtest.h>

#include "sql/lake_router.hpp"
#include "sql/statement.hpp"

namespace {

using mallard::sql::redirect_relations;

// `t` in the default schema (or `main`/`public`, or the catalog `lake`) is read through `r`.
std::string redirect(const std::string &sql) {
  return redirect_relations(sql, [](const std::string &catalog, const std::string &schema,
                                    const std::string &name) -> std::optional<std::string> {
    if ((catalog.empty() || catalog == "lake") && (schema.empty() || schema == "main" || schema == "public") &&
        name == "t")
      return std::string("h.\"r\"");
    return std::nullopt;
  });
}

TEST(RedirectRelations, TablesReadAreReplacedKeepingTheirName) {
  EXPECT_EQ(redirect("SELECT t.a FROM t WHERE a > 1"), "SELECT t.a FROM h.\"r\" AS \"t\" WHERE a > 1");
  EXPECT_EQ(redirect("SELECT x.a FROM public . \"t\" x"), "SELECT x.a FROM h.\"r\" x");
  EXPECT_EQ(redirect("SELECT * FROM lake.main.t AS y JOIN u ON true"), "SELECT * FROM h.\"r\" AS y JOIN u ON true");
  EXPECT_EQ(redirect("SELECT (SELECT max(a) FROM t) FROM u WHERE EXISTS (SELECT 1 FROM t)"),
            "SELECT (SELECT max(a) FROM h.\"r\" AS \"t\") FROM u WHERE EXISTS (SELECT 1 FROM h.\"r\" AS \"t\")");
  EXPECT_EQ(redirect("SELECT * FROM other.t, tt"), "SELECT * FROM other.t, tt");
}

TEST(RedirectRelations, WrittenTablesAndQueryNamesStay) {
  EXPECT_EQ(redirect("INSERT INTO t SELECT * FROM t"), "INSERT INTO t SELECT * FROM h.\"r\" AS \"t\"");
  EXPECT_EQ(redirect("UPDATE t SET a = s.a FROM t AS s WHERE s.b = t.b"),
            "UPDATE t SET a = s.a FROM h.\"r\" AS s WHERE s.b = t.b");
  EXPECT_EQ(redirect("DELETE FROM t USING t AS o WHERE o.a = t.a"), "DELETE FROM t USING h.\"r\" AS o WHERE o.a = t.a");
  EXPECT_EQ(redirect("WITH t AS (SELECT 1 AS a) SELECT a FROM t"), "WITH t AS (SELECT 1 AS a) SELECT a FROM t");
  EXPECT_EQ(redirect("SELECT * FROM t FOR UPDATE OF t"), "SELECT * FROM h.\"r\" AS \"t\" FOR UPDATE OF t");
  EXPECT_EQ(redirect("CREATE TABLE t2 AS SELECT * FROM t"), "CREATE TABLE t2 AS SELECT * FROM h.\"r\" AS \"t\"");
  // Statements that are not queries or DML, and text PostgreSQL's grammar cannot parse, stay as
  // they are.
  EXPECT_EQ(redirect("ALTER TABLE t ADD COLUMN b integer"), "ALTER TABLE t ADD COLUMN b integer");
  EXPECT_EQ(redirect("CREATE VIEW v AS SELECT * FROM t"), "CREATE VIEW v AS SELECT * FROM t");
  EXPECT_EQ(redirect("FROM t SELECT a"), "FROM t SELECT a");
}

TEST(LakeRouter, AddColumnTakesItsReferencesOut) {
  auto st = mallard::sql::route_lake(
      "ALTER TABLE b ADD COLUMN owner_id integer NULL CONSTRAINT b_owner_fk REFERENCES \"u\" (\"id\") "
      "DEFERRABLE INITIALLY DEFERRED, ADD COLUMN c text CONSTRAINT c_nn NOT NULL");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->actions.size(), 2u);
  const auto &a = st->actions[0];
  EXPECT_EQ(a.kind, mallard::lake::AlterAction::Kind::kAddColumn);
  EXPECT_EQ(a.text.find("REFERENCES"), std::string::npos) << a.text;
  EXPECT_EQ(a.text.find("CONSTRAINT"), std::string::npos) << a.text;
  ASSERT_TRUE(a.foreign);
  EXPECT_EQ(a.foreign->name, "b_owner_fk");
  EXPECT_EQ(a.foreign->table.name, "u");
  EXPECT_EQ(a.foreign->ref_columns, std::vector<std::string>{"id"});
  EXPECT_TRUE(a.foreign->deferrable && a.foreign->deferred);
  EXPECT_FALSE(st->actions[1].foreign);
  EXPECT_NE(st->actions[1].text.find("CONSTRAINT \"c_nn\" NOT NULL"), std::string::npos) << st->actions[1].text;
}

// character varying [(n)] and character(n), which DuckDB's types lose, come from PostgreSQL's
// parser: per column of CREATE TABLE, per ADD COLUMN / ALTER COLUMN TYPE action of ALTER TABLE.
TEST(LakeRouter, CharacterTypesAreReadWithTheirLengths) {
  using mallard::lake::ColumnCharType;
  auto described = [](const std::vector<ColumnCharType> &v) {
    std::string out;
    for (auto &c : v) out += c.column + ":" + std::to_string(c.type.length) + (c.type.fixed ? "f " : "v ");
    return out;
  };
  auto st = mallard::sql::route_lake(
      "CREATE TABLE t (a varchar(3), \"B\" character(2) NOT NULL, c char, d character varying, e varchar(5)[], "
      "f text, g bpchar, h integer)");
  ASSERT_TRUE(st);
  EXPECT_EQ(described(st->char_types), "a:3v B:2f c:1f d:0v ");
  st = mallard::sql::route_lake("ALTER TABLE t ADD COLUMN x int, ALTER COLUMN a TYPE char(4), ALTER COLUMN b "
                                "SET DEFAULT 'x', ADD y varchar(7) DEFAULT 'y', ALTER COLUMN d TYPE text");
  ASSERT_TRUE(st);
  ASSERT_EQ(st->actions.size(), 5u);
  std::vector<ColumnCharType> found;
  for (auto &a : st->actions)
    if (a.char_type) found.push_back(*a.char_type);
  EXPECT_EQ(described(found), "a:4f y:7v ");
  EXPECT_FALSE(st->actions[0].char_type);
  EXPECT_FALSE(st->actions[4].char_type);  // text: the column's declared type goes
  for (const auto &[sql, message] : std::vector<std::pair<std::string, std::string>>{
           {"CREATE TABLE t (a varchar(0))", "length for type varchar must be at least 1"},
           {"ALTER TABLE t ADD COLUMN a char(10485761)", "length for type char cannot exceed 10485760"}}) {
    try {
      mallard::sql::route_lake(sql);
      ADD_FAILURE() << sql << " accepted";
    } catch (const mallard::Error &e) {
      EXPECT_EQ(std::string(e.sqlstate()), "22023");
      EXPECT_EQ(e.message(), message);
    }
  }
}

}  // namespace
