#!/usr/bin/python3
"""psycopg2 against Mallard with the driver's defaults: client-side parameter interpolation over
the simple query protocol, an implicit transaction opened before the first statement, typed
results, COPY, and server-side (named) cursors."""

import datetime
import decimal
import io
import os
import sys

import psycopg2
import psycopg2.errors
import psycopg2.extras

failures = []


def check(label, got, want):
    if got != want or type(got) is not type(want):
        failures.append(f"{label}: got {got!r} ({type(got).__name__}), want {want!r} ({type(want).__name__})")


def connect():
    return psycopg2.connect(
        host=os.environ["MALLARD_HOST"],
        port=int(os.environ["MALLARD_PORT"]),
        user=os.environ["MALLARD_USER"],
        password=os.environ["MALLARD_PASSWORD"],
        dbname=os.environ["MALLARD_DBNAME"],
        connect_timeout=15,
    )


def main():
    conn = connect()
    check("server_version", conn.server_version >= 150000, True)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS p2_items")
    cur.execute(
        "CREATE TABLE p2_items (id integer, name varchar, price numeric(8,3), born date, "
        "ts timestamp, flag boolean, score real, tags text[])"
    )
    rows = [
        (i, f"n'{i}", decimal.Decimal(f"{i}.125"), datetime.date(2023, 12, i),
         datetime.datetime(2023, 12, i, 8, 0, 0, 500), i % 3 == 0, i / 2, [f"t{i}", "x"])
        for i in range(1, 21)
    ]
    cur.executemany("INSERT INTO p2_items VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
    check("executemany rowcount", cur.rowcount, 20)
    conn.commit()
    check("status after commit", conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_IDLE)

    cur.execute("SELECT * FROM p2_items WHERE id = %(id)s", {"id": 7})
    check("row 7", cur.fetchone(), rows[6])
    check("column type oids", [d.type_code for d in cur.description], [23, 1043, 1700, 1082, 1114, 16, 700, 1009])
    check("inside transaction", conn.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INTRANS)

    cur.execute("SELECT id, name FROM p2_items WHERE id IN %s ORDER BY id", ((2, 4, 6),))
    check("IN tuple", cur.fetchall(), [(2, "n'2"), (4, "n'4"), (6, "n'6")])
    check("rowcount select", cur.rowcount, 3)

    cur.execute("UPDATE p2_items SET flag = NOT flag WHERE id <= %s", (10,))
    check("update rowcount", cur.rowcount, 10)
    conn.rollback()
    cur.execute("SELECT count(*) FROM p2_items WHERE flag")
    check("rollback undid update", cur.fetchone(), (6,))

    # Dict rows and several statements in one call.
    dcur = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
    dcur.execute("SELECT 1 AS a; SELECT 2 AS b, 'x' AS c")
    check("last result of a multi-statement query", dict(dcur.fetchone()), {"b": 2, "c": "x"})

    # execute_values builds one multi-row INSERT.
    psycopg2.extras.execute_values(
        cur, "INSERT INTO p2_items (id, name) VALUES %s", [(100 + i, f"bulk {i}") for i in range(50)]
    )
    cur.execute("SELECT count(*) FROM p2_items WHERE id >= 100")
    check("execute_values", cur.fetchone(), (50,))
    conn.commit()

    # Named cursor: DECLARE ... CURSOR and FETCH in a transaction.
    ncur = conn.cursor("p2_named")
    ncur.itersize = 7
    ncur.execute("SELECT id FROM p2_items ORDER BY id")
    got = [r[0] for r in ncur]
    check("named cursor", got, list(range(1, 21)) + list(range(100, 150)))
    ncur.close()
    conn.commit()

    # COPY through copy_expert.
    cur.execute("CREATE TABLE p2_copy (a integer, b text)")
    cur.copy_expert("COPY p2_copy FROM STDIN WITH (FORMAT csv)", io.StringIO("1,one\n2,two\n3,\n"))
    conn.commit()
    out = io.StringIO()
    cur.copy_expert("COPY (SELECT * FROM p2_copy ORDER BY a) TO STDOUT WITH (FORMAT csv)", out)
    check("copy round trip", out.getvalue(), "1,one\n2,two\n3,\n")
    conn.commit()

    # Errors: SQLSTATE classes and recovery.
    try:
        cur.execute("SELECT nosuchcolumn FROM p2_items")
        failures.append("bad column: no error")
    except psycopg2.errors.UndefinedColumn as e:
        check("sqlstate", e.pgcode, "42703")
    conn.rollback()
    try:
        cur.execute("SELECT 1/0")
        failures.append("division by zero: no error")
    except psycopg2.errors.DivisionByZero:
        pass
    conn.rollback()

    conn.autocommit = True
    cur.execute("SELECT %s::text, %s::bytea, %s::date", ("a'b", psycopg2.Binary(b"\x00\xff"), datetime.date(2000, 2, 29)))
    a, b, c = cur.fetchone()
    check("text literal", a, "a'b")
    check("bytea", bytes(b), b"\x00\xff")
    check("date", c, datetime.date(2000, 2, 29))
    cur.execute("DROP TABLE p2_items")
    cur.execute("DROP TABLE p2_copy")
    conn.close()

    if failures:
        for f in failures:
            print("FAIL", f, file=sys.stderr)
        return 1
    print("psycopg2: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
