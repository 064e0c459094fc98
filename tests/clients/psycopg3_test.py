#!/usr/bin/python3
"""psycopg 3 against Mallard with the driver's defaults: server-side parameter binding, automatic
prepared statements once a query has run prepare_threshold times, binary results, COPY, and the
error a client sees for a failed statement."""

import datetime
import decimal
import os
import sys
import uuid

import psycopg
from psycopg import sql

failures = []


def check(label, got, want):
    if got != want or type(got) is not type(want):
        failures.append(f"{label}: got {got!r} ({type(got).__name__}), want {want!r} ({type(want).__name__})")


def connect(**kw):
    return psycopg.connect(
        host=os.environ["MALLARD_HOST"],
        port=int(os.environ["MALLARD_PORT"]),
        user=os.environ["MALLARD_USER"],
        password=os.environ["MALLARD_PASSWORD"],
        dbname=os.environ["MALLARD_DBNAME"],
        connect_timeout=15,
        **kw,
    )


def main():
    with connect() as conn:
        check("server_version", conn.info.server_version >= 150000, True)
        check("prepare_threshold default", conn.prepare_threshold, 5)

        conn.execute("DROP TABLE IF EXISTS p3_items")
        conn.execute(
            "CREATE TABLE p3_items (id integer NOT NULL, name text, price numeric(10,2), "
            "qty bigint, ok boolean, born date, seen timestamptz, ratio double precision, "
            "tag uuid, data bytea)"
        )
        rows = [
            (i, f"item {i}", decimal.Decimal(f"{i}.25"), i * 1000000000, i % 2 == 0,
             datetime.date(2024, 1, i), datetime.datetime(2024, 1, i, 12, 30, tzinfo=datetime.timezone.utc),
             i / 4, uuid.UUID(int=i), bytes([i, 0, 255]))
            for i in range(1, 11)
        ]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO p3_items VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
            )
            check("executemany rowcount", cur.rowcount, 10)
        conn.commit()

        # Text results, typed by the OIDs in RowDescription.
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM p3_items WHERE id = %s", (3,))
            got = cur.fetchone()
            check("row 3 text", got, rows[2])
            check("column types", [d.type_code for d in cur.description],
                  [23, 25, 1700, 20, 16, 1082, 1184, 701, 2950, 17])

        # The same statement past prepare_threshold runs from a server-side prepared statement.
        with conn.cursor() as cur:
            for i in range(1, 11):
                cur.execute("SELECT name, price FROM p3_items WHERE id = %s", (i,))
                check(f"prepared loop {i}", cur.fetchone(), (f"item {i}", decimal.Decimal(f"{i}.25")))
            check("statement prepared on the server", len(conn._prepared._names) >= 1, True)
        conn.commit()

        # Explicit prepare=True and a prepared INSERT with parameters of several types.
        with conn.cursor() as cur:
            for i in range(11, 16):
                cur.execute(
                    "INSERT INTO p3_items (id, name, price, ok) VALUES (%s, %s, %s, %s)",
                    (i, f"item {i}", decimal.Decimal("0.50"), None), prepare=True,
                )
                check("prepared insert rowcount", cur.rowcount, 1)
            cur.execute("SELECT count(*), sum(price) FROM p3_items WHERE id > %s", (10,), prepare=True)
            check("after prepared inserts", cur.fetchone(), (5, decimal.Decimal("2.50")))
        conn.commit()

        # Binary results.
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT * FROM p3_items WHERE id BETWEEN %s AND %s ORDER BY id", (1, 10))
            check("binary rows", cur.fetchall(), rows)
            cur.execute("SELECT ARRAY[1, 2, 3]::integer[], ARRAY['a', NULL]::text[], 'x'::text, NULL::integer")
            check("binary arrays", cur.fetchone(), ([1, 2, 3], ["a", None], "x", None))

        # Text arrays and parameters without a declared type.
        with conn.cursor() as cur:
            cur.execute("SELECT %s::integer[] AS a, %s AS s", ([4, 5, None], "hé"))
            check("array param", cur.fetchone(), ([4, 5, None], "hé"))

        # Row counts for DML.
        with conn.cursor() as cur:
            cur.execute("UPDATE p3_items SET qty = qty + 1 WHERE id <= %s", (4,))
            check("update rowcount", cur.rowcount, 4)
            cur.execute("DELETE FROM p3_items WHERE id > %s", (12,))
            check("delete rowcount", cur.rowcount, 3)
            cur.execute("INSERT INTO p3_items (id, name) VALUES (%s, %s) RETURNING id, name", (99, "r"))
            check("returning", cur.fetchone(), (99, "r"))
        conn.rollback()

        # COPY in both directions.
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE p3_copy (a integer, b text)")
            with cur.copy("COPY p3_copy (a, b) FROM STDIN") as copy:
                for i in range(100):
                    copy.write_row((i, f"v{i}"))
            cur.execute("SELECT count(*), sum(a) FROM p3_copy")
            check("copy in", cur.fetchone(), (100, 4950))
            out = []
            with cur.copy("COPY (SELECT a, b FROM p3_copy WHERE a < 3 ORDER BY a) TO STDOUT") as copy:
                for row in copy.rows():
                    out.append(row)
            check("copy out", out, [("0", "v0"), ("1", "v1"), ("2", "v2")])
        conn.commit()

        # Identifiers composed client-side.
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("p3_items")))
            check("sql.Identifier", cur.fetchone(), (15,))

        # Errors carry PostgreSQL's SQLSTATE, and the connection recovers after rollback.
        try:
            conn.execute("SELECT * FROM p3_missing")
            failures.append("missing table: no error")
        except psycopg.errors.UndefinedTable:
            pass
        conn.rollback()
        check("after error", conn.execute("SELECT 1").fetchone(), (1,))
        conn.rollback()

    # Autocommit and server-side cursors are independent of the default settings above.
    with connect(autocommit=True) as conn:
        check("autocommit count", conn.execute("SELECT count(*) FROM p3_items").fetchone(), (15,))
        with conn.transaction():
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM p3_items ORDER BY id")
                check("stream all", [r[0] for r in cur], list(range(1, 16)))
        # Named (server-side) cursors: DECLARE, then FETCH through the extended protocol, in text
        # and in binary (Django's QuerySet.iterator(), SQLAlchemy's stream_results).
        for binary in (False, True):
            with conn.transaction():
                with conn.cursor(name=f"p3_named_{int(binary)}", binary=binary) as cur:
                    cur.itersize = 4
                    cur.execute("SELECT id, name FROM p3_items WHERE id > %s ORDER BY id", [2])
                    check(f"named fetchone binary={binary}", cur.fetchone(), (3, "item 3"))
                    check(f"named fetchmany binary={binary}", cur.fetchmany(2), [(4, "item 4"), (5, "item 5")])
                    check(f"named rest binary={binary}", [r[0] for r in cur], list(range(6, 16)))
        # Type introspection: a type that does not exist is None (the server answers 42704).
        from psycopg.types import TypeInfo
        check("TypeInfo hstore", TypeInfo.fetch(conn, "hstore"), None)
        check("TypeInfo int4", TypeInfo.fetch(conn, "int4").oid, 23)
        # set_config with bound parameters, as Django sets the time zone.
        check("set_config", conn.execute("SELECT set_config('TimeZone', %s, false)", ["Asia/Tokyo"]).fetchone(),
              ("Asia/Tokyo",))
        check("timezone after set_config", conn.info.parameter_status("TimeZone"), "Asia/Tokyo")
        check("row locking", conn.execute("SELECT id FROM p3_items WHERE id = 1 FOR UPDATE").fetchone(), (1,))
        # A nested transaction block is a savepoint (Django's nested atomic(), SQLAlchemy's
        # begin_nested()): an exception inside it undoes that block's rows only.
        with conn.transaction():
            conn.execute("INSERT INTO p3_items (id, name) VALUES (%s, %s)", [100, "kept"])
            try:
                with conn.transaction():
                    conn.execute("UPDATE p3_items SET name = 'changed' WHERE id = 1")
                    conn.execute("DELETE FROM p3_items WHERE id = %s", [2])
                    raise RuntimeError("undo the inner block")
            except RuntimeError:
                pass
        check("nested block undone, outer kept",
              conn.execute("SELECT id, name FROM p3_items WHERE id IN (1, 2, 100) ORDER BY id").fetchall(),
              [(1, "item 1"), (2, "item 2"), (100, "kept")])
        conn.execute("DROP TABLE p3_items")
        conn.execute("DROP TABLE p3_copy")

    if failures:
        for f in failures:
            print("FAIL", f, file=sys.stderr)
        return 1
    print("psycopg3: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
