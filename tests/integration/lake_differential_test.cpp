// The same PostgreSQL-dialect session (DDL, DML with RETURNING, transactions, aggregates, ORDER BY)
// against Mallard's lake tables and against a real PostgreSQL 15 started by the test: command tags
// and result rows must be the same text; errors the same SQLSTATE.

#include <algorithm>

#include "integration/lake_util.hpp"
#include "support/server.hpp"

namespace mallard::it {
namespace {

// Each step is one simple Query. Every SELECT has an ORDER BY or a single row, so the order of its
// rows is defined; column names are not compared (DuckDB names unaliased expressions differently).
const std::vector<std::string> kScript = {
    "CREATE TABLE items (id integer NOT NULL, name text, qty integer DEFAULT 0, price numeric(10,2), "
    "added date DEFAULT DATE '2024-01-01')",
    "INSERT INTO items VALUES (1, 'apple', 3, 1.50, '2024-02-01'), (2, 'banana', NULL, 0.25, '2024-02-02')",
    "INSERT INTO items (id, name, price) VALUES (3, 'cherry', 4.00) RETURNING id, qty, added",
    "INSERT INTO items (id, name) SELECT g, 'gen' || g FROM generate_series(4, 6) AS g(g) RETURNING id, name",
    "INSERT INTO items DEFAULT VALUES",
    "INSERT INTO items (id) VALUES (NULL)",
    "SELECT * FROM items ORDER BY id",
    "SELECT count(*), count(qty), sum(qty), min(price), max(price), sum(price), min(added), max(name) FROM items",
    "UPDATE items SET qty = coalesce(qty, 0) + 10 WHERE id <= 2 RETURNING id, qty",
    "UPDATE items SET price = price * 2 WHERE price IS NOT NULL",
    "UPDATE items SET name = 'nothing' WHERE false",
    "DELETE FROM items WHERE id = 2 RETURNING *",
    "DELETE FROM items WHERE name LIKE 'gen%' AND id > 5",
    "SELECT id, name, qty, price FROM items ORDER BY id",
    "BEGIN",
    "INSERT INTO items (id, name) VALUES (100, 'rolled back')",
    "UPDATE items SET qty = -1",
    "SELECT count(*), sum(qty) FROM items",
    "ROLLBACK",
    "SELECT count(*), sum(qty) FROM items",
    "BEGIN",
    "INSERT INTO items (id, name, qty) VALUES (7, 'grape', 7)",
    "UPDATE items SET qty = qty + 1 WHERE id = 7 RETURNING qty",
    "DELETE FROM items WHERE id = 4",
    "SELECT id, name, qty FROM items ORDER BY id",
    "COMMIT",
    "SELECT id, name, qty FROM items ORDER BY id",
    "BEGIN",
    "INSERT INTO items (id, name) VALUES (8, 'lost')",
    "SELECT * FROM no_such_table",
    "INSERT INTO items (id, name) VALUES (9, 'lost too')",
    "COMMIT",
    "SELECT count(*) FROM items WHERE id IN (8, 9)",
    "INSERT INTO items (id, name) VALUES (10, 'ten'); INSERT INTO items (id, name) VALUES (11, 'eleven')",
    "INSERT INTO items (id, name) VALUES (12, 'twelve'); SELECT * FROM no_such_table",
    "SELECT string_agg(CAST(id AS text), ',' ORDER BY id) FROM items",
    "CREATE TABLE orders (order_id integer, item_id integer, amount integer)",
    "INSERT INTO orders VALUES (1, 1, 2), (2, 3, 1), (3, 1, 5), (4, 7, 1), (5, 42, 9)",
    "SELECT i.name, sum(o.amount) AS total, count(*) AS n FROM items i JOIN orders o ON o.item_id = i.id "
    "GROUP BY i.name ORDER BY total DESC, i.name",
    "SELECT name FROM items WHERE id IN (SELECT item_id FROM orders) ORDER BY name",
    "SELECT o.order_id, i.name FROM orders o LEFT JOIN items i ON i.id = o.item_id ORDER BY o.order_id",
    "UPDATE items SET qty = qty + o.amount FROM orders o WHERE o.item_id = items.id AND o.order_id = 2 "
    "RETURNING items.id, items.qty",
    "DELETE FROM orders USING items WHERE orders.item_id = items.id AND items.name = 'grape' RETURNING orders.order_id",
    "DELETE FROM orders WHERE item_id NOT IN (SELECT id FROM items) RETURNING order_id, amount",
    "INSERT INTO orders SELECT order_id + 10, item_id, amount * 2 FROM orders",
    "SELECT order_id, item_id, amount FROM orders ORDER BY order_id",
    "SELECT item_id, sum(amount), avg(amount)::integer, max(order_id) FROM orders GROUP BY item_id "
    "HAVING sum(amount) > 3 ORDER BY item_id",
    "ALTER TABLE items ADD COLUMN note text DEFAULT 'n/a'",
    "SELECT id, note FROM items ORDER BY id",
    "ALTER TABLE items RENAME COLUMN note TO remark",
    "ALTER TABLE items DROP COLUMN added",
    "SELECT * FROM items ORDER BY id",
    "UPDATE items SET remark = 'set' WHERE id = 1 RETURNING *",
    "ALTER TABLE items ALTER COLUMN qty TYPE bigint",
    "SELECT id, qty * 1000000000 FROM items ORDER BY id",
    "ALTER TABLE items ALTER COLUMN name SET NOT NULL",
    "INSERT INTO items (id) VALUES (13)",
    "ALTER TABLE items ALTER COLUMN name DROP NOT NULL",
    "ALTER TABLE items RENAME TO goods",
    "SELECT count(*) FROM items",
    "SELECT count(*) FROM goods",
    "CREATE TABLE goods_copy AS SELECT id, name FROM goods WHERE id < 5",
    "SELECT * FROM goods_copy ORDER BY id",
    "CREATE TABLE IF NOT EXISTS goods_copy (x integer)",
    "CREATE TABLE goods_copy (x integer)",
    "CREATE VIEW expensive AS SELECT name, price FROM goods WHERE price > 2",
    "SELECT * FROM expensive ORDER BY name",
    "TRUNCATE goods_copy",
    "SELECT count(*) FROM goods_copy",
    "DROP VIEW expensive",
    "DROP TABLE goods_copy",
    "DROP TABLE goods_copy",
    "DROP TABLE IF EXISTS goods_copy",
    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'goods_copy'",
    "CREATE SCHEMA s2",
    "CREATE TABLE s2.t (a integer)",
    "INSERT INTO s2.t VALUES (1), (2) RETURNING a * 10",
    "DROP SCHEMA s2",
    "DROP SCHEMA s2 CASCADE",
    "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 's2'",
    "SELECT string_agg(name, ',' ORDER BY name) FROM goods",
    "SELECT name, qty FROM goods ORDER BY qty DESC NULLS LAST, name LIMIT 3",
    "SELECT id, CASE WHEN qty > 5 THEN 'many' ELSE 'few' END FROM goods ORDER BY id",
    "SELECT count(*) FILTER (WHERE qty IS NULL), count(DISTINCT remark) FROM goods",
    "WITH t AS (SELECT id, qty FROM goods WHERE qty IS NOT NULL) SELECT sum(qty) FROM t",
    "INSERT INTO goods (id, name) VALUES (20, 'x'), (21, 'y') RETURNING id, name, qty, remark",
    "DELETE FROM goods WHERE id >= 20",
    // Values of the types lake tables hold, written and read back as text.
    "CREATE TABLE typed (a smallint, b integer, c bigint, d real, e double precision, f numeric(12,3), g boolean, "
    "h text, i varchar(10), j date, k time, l timestamp, m timestamptz, n interval, o uuid, q json)",
    "INSERT INTO typed VALUES (-32768, 2147483647, -9223372036854775808, 1.5, -2.25e100, 123456789.123, true, "
    "'héllo ''q''', 'v', '2024-02-29', '13:14:15.123456', '2024-02-29 13:14:15.5', '2024-02-29 13:14:15+02', "
    "'1 year 2 mons 3 days 04:05:06', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2]}') RETURNING *",
    "INSERT INTO typed (b) VALUES (0), (NULL)",
    "INSERT INTO typed (a, b, d, e, f, g, j) VALUES (1, 1, 'NaN', '-Infinity', -0.5, false, '0001-01-01')",
    "SELECT * FROM typed ORDER BY b NULLS FIRST",
    "UPDATE typed SET f = f * 2, j = j + 1, l = l + interval '1 day' WHERE b = 2147483647 RETURNING f, j, l",
    "SELECT count(*), count(a), min(j), max(m), sum(f) FROM typed",
    "DELETE FROM typed WHERE g IS NULL RETURNING b",
    "SELECT b, g FROM typed ORDER BY b",
};

// RETURNING rows come in no defined order (PostgreSQL's is its scan order), so they are sorted.
std::string canonical(lake::Outcome o) {
  if (!o.ok) return "ERROR " + o.sqlstate;
  if (o.tag.rfind("SELECT", 0) != 0) std::sort(o.rows.begin(), o.rows.end());
  return lake::to_string(o);
}

TEST(LakeDifferential, SameAnswersAsPostgreSQL) {
  SKIP_IN_REFERENCE("compares Mallard with PostgreSQL itself");
  std::string bin = installed_postgres_bin();
  if (bin.empty()) GTEST_SKIP() << "no PostgreSQL server installed under /usr/lib/postgresql";
  ServerOptions pg_options;
  pg_options.postgres_bin = bin;
  Server pg(pg_options);
  ASSERT_TRUE(pg.start()) << pg.failure();
  Server mallard;
  ASSERT_TRUE(mallard.start()) << mallard.failure();
  Conn p = connect(pg), m = connect(mallard);
  ASSERT_TRUE(p && m);
  NoticeLog pg_notices, mallard_notices;  // collected rather than printed; not compared
  pg_notices.attach(p.get());
  mallard_notices.attach(m.get());
  int differences = 0;
  for (auto &sql : kScript) {
    lake::Outcome want = lake::run(p.get(), sql), got = lake::run(m.get(), sql);
    EXPECT_EQ(canonical(got), canonical(want)) << "statement: " << sql;
    differences += canonical(got) != canonical(want);
    EXPECT_EQ(PQtransactionStatus(m.get()), PQtransactionStatus(p.get())) << "after: " << sql;
  }
  EXPECT_EQ(differences, 0);
}

}  // namespace
}  // namespace mallard::it
