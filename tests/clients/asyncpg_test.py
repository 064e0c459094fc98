#!/usr/bin/python3
"""asyncpg against Mallard with the driver's defaults: every statement is prepared and described,
values travel in binary both ways, type OIDs it does not know are introspected from pg_type,
copy_records_to_table reads the table's columns from the catalog, and cursors fetch in batches
inside a transaction."""

import asyncio
import datetime
import decimal
import os
import sys
import uuid

import asyncpg

failures = []


def check(label, got, want):
    if got != want or type(got) is not type(want):
        failures.append(f"{label}: got {got!r} ({type(got).__name__}), want {want!r} ({type(want).__name__})")


async def connect():
    return await asyncpg.connect(
        host=os.environ["MALLARD_HOST"],
        port=int(os.environ["MALLARD_PORT"]),
        user=os.environ["MALLARD_USER"],
        password=os.environ["MALLARD_PASSWORD"],
        database=os.environ["MALLARD_DBNAME"],
        timeout=15,
    )


async def main():
    conn = await connect()
    check("server version", conn.get_server_version().major, 15)

    await conn.execute("DROP TABLE IF EXISTS ap_items")
    await conn.execute(
        "CREATE TABLE ap_items (id bigint, name text, amount numeric(12,4), happened timestamp, "
        "day date, ok boolean, ratio double precision, small smallint, tag uuid, raw bytea, vals integer[])"
    )

    # Binary parameters of every common type through a prepared INSERT.
    rows = [
        (i, f"name {i}", decimal.Decimal(f"{i}.0625"), datetime.datetime(2022, 5, 1, 10, i, 30, 250),
         datetime.date(2022, 5, i), i % 2 == 1, i * 1.5, i, uuid.UUID(int=i * 7), bytes([i] * 3), [i, i + 1])
        for i in range(1, 21)
    ]
    await conn.executemany(
        "INSERT INTO ap_items VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", rows
    )
    check("count after executemany", await conn.fetchval("SELECT count(*) FROM ap_items"), 20)

    got = await conn.fetchrow("SELECT * FROM ap_items WHERE id = $1", 5)
    check("row 5", tuple(got), rows[4])
    check("record keys", list(got.keys()),
          ["id", "name", "amount", "happened", "day", "ok", "ratio", "small", "tag", "raw", "vals"])

    # An explicit prepared statement reused with different arguments.
    stmt = await conn.prepare("SELECT name, amount FROM ap_items WHERE id = $1")
    check("prepared param types", [t.name for t in stmt.get_parameters()], ["int8"])
    check("prepared column types", [a.type.name for a in stmt.get_attributes()], ["text", "numeric"])
    for i in (1, 9, 20):
        check(f"prepared fetch {i}", tuple(await stmt.fetchrow(i)), (f"name {i}", decimal.Decimal(f"{i}.0625")))

    # Type introspection: asyncpg asks pg_type about OIDs outside its built-in codecs.
    check("json value", await conn.fetchval("SELECT '{\"a\": 1}'::json"), '{"a": 1}')
    check("text array", await conn.fetchval("SELECT ARRAY['x', 'y']::text[]"), ["x", "y"])
    check("interval", await conn.fetchval("SELECT INTERVAL '1 day 2 hours'"),
          datetime.timedelta(days=1, hours=2))
    typeinfo = await conn.fetchrow(
        "SELECT t.oid, t.typname, t.typelem, t.typarray FROM pg_catalog.pg_type t WHERE t.typname = $1", "int4"
    )
    check("pg_type int4", tuple(typeinfo), (23, "int4", 0, 1007))
    # "char" catalog columns are PostgreSQL's one-byte type (oid 18), which asyncpg reads as bytes.
    check("typtype is \"char\"", await conn.fetchval(
        "SELECT typtype FROM pg_catalog.pg_type WHERE typname = 'int4'"), b"b")
    check("relkind", await conn.fetchval(
        "SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.relname = 'ap_items'"), b"r")
    # Introspection as asyncpg runs it for a type OID it has no codec for (a text-compatible one).
    await conn.set_type_codec("int4", schema="pg_catalog", encoder=str, decoder=lambda s: "int:" + s,
                              format="text")
    check("custom codec", await conn.fetchval("SELECT 41 + 1"), "int:42")
    await conn.reset_type_codec("int4", schema="pg_catalog")
    check("codec reset", await conn.fetchval("SELECT 41 + 1"), 42)

    # copy_records_to_table: catalog lookup of the columns, then binary COPY.
    await conn.execute("CREATE TABLE ap_copy (a integer, b text, c double precision, d date)")
    records = [(i, f"r{i}", i / 8, datetime.date(2020, 1, 1) + datetime.timedelta(days=i)) for i in range(500)]
    res = await conn.copy_records_to_table("ap_copy", records=records)
    check("copy status", res, "COPY 500")
    check("copied rows", await conn.fetchrow("SELECT count(*), sum(a), max(d) FROM ap_copy"),
          await conn.fetchrow("SELECT 500::bigint, 124750::hugeint, DATE '2021-05-14'"))
    res = await conn.copy_records_to_table("ap_copy", records=[("x", 1)], columns=["b", "a"])
    check("copy with columns", res, "COPY 1")

    # A cursor inside a transaction fetches in batches (Execute with a row limit).
    async with conn.transaction():
        ids = [r["id"] async for r in conn.cursor("SELECT id FROM ap_items ORDER BY id", prefetch=3)]
        check("cursor prefetch", ids, list(range(1, 21)))
        cur = await conn.cursor("SELECT id, name FROM ap_items WHERE id > $1 ORDER BY id", 10)
        first = await cur.fetch(4)
        check("cursor fetch", [tuple(r) for r in first], [(i, f"name {i}") for i in range(11, 15)])
        await cur.forward(2)
        check("cursor fetchrow after forward", tuple(await cur.fetchrow()), (17, "name 17"))

    # Transactions and errors.
    try:
        async with conn.transaction():
            await conn.execute("DELETE FROM ap_items")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    check("rolled back", await conn.fetchval("SELECT count(*) FROM ap_items"), 20)
    try:
        await conn.fetch("SELECT * FROM ap_missing")
        failures.append("missing table: no error")
    except asyncpg.UndefinedTableError:
        pass
    status = await conn.execute("UPDATE ap_items SET ok = NOT ok WHERE id <= $1", 5)
    check("update status", status, "UPDATE 5")

    await conn.execute("DROP TABLE ap_items; DROP TABLE ap_copy")
    await conn.close()

    if failures:
        for f in failures:
            print("FAIL", f, file=sys.stderr)
        return 1
    print("asyncpg: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
