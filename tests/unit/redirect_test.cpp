// sql::redirect_relations (how a transaction that changed a table's columns reads it through its
// own relation) and the routing of ALTER TABLE ADD COLUMN with an inline REFERENCES.
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

}  // namespace
