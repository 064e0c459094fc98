#!/usr/bin/python3
"""Replays tests/clients/catalog_replay.sql (the catalog queries of pgAdmin, DBeaver, Metabase and
Grafana) against the server: every query must succeed and return the columns the tool reads, with
the expected number of rows for the objects created here. Runs against PostgreSQL as well, which
keeps the replayed queries honest (MALLARD_* or PG* environment)."""

import os
import re
import sys

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))


def connect():
    return psycopg.connect(
        host=os.environ.get("MALLARD_HOST", os.environ.get("PGHOST")),
        port=int(os.environ.get("MALLARD_PORT", os.environ.get("PGPORT", "5432"))),
        user=os.environ.get("MALLARD_USER", os.environ.get("PGUSER")),
        password=os.environ.get("MALLARD_PASSWORD", os.environ.get("PGPASSWORD")),
        dbname=os.environ.get("MALLARD_DBNAME", os.environ.get("PGDATABASE")),
        connect_timeout=15,
        autocommit=True,
    )


def entries(path):
    """(title, expected columns, rows rule, sql) for each entry of the replay file."""
    out, title, expect, rows, body = [], None, [], None, []
    for line in open(path, encoding="utf-8"):
        s = line.rstrip("\n")
        if s.startswith("-- query:"):
            title, expect, rows, body = s[len("-- query:"):].strip(), [], None, []
        elif s.startswith("-- expect:"):
            expect = [c.strip() for c in s[len("-- expect:"):].split(",") if c.strip()]
        elif s.startswith("-- rows:"):
            rows = s[len("-- rows:"):].strip()
        elif title is not None and not s.startswith("--"):
            body.append(s)
            if s.rstrip().endswith(";"):
                out.append((title, expect, rows, "\n".join(body).strip().rstrip(";")))
                title = None
    return out


def rows_ok(rule, n):
    if rule is None:
        return True
    m = re.fullmatch(r"(>=)?\s*(\d+)", rule)
    if not m:
        raise ValueError(f"bad rows rule {rule!r}")
    want = int(m.group(2))
    return n >= want if m.group(1) else n == want


def main():
    conn = connect()
    schema = "rp_schema"
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {schema}")
    # Lake tables: NOT NULL is their only constraint, and they have no indexes.
    conn.execute(f"CREATE TABLE {schema}.rp_customers (id integer NOT NULL, name text NOT NULL)")
    conn.execute(
        f"CREATE TABLE {schema}.rp_orders (id integer NOT NULL, customer_id integer, "
        f"amount numeric(10,2), placed_at timestamp)"
    )
    conn.execute(
        f"CREATE VIEW {schema}.rp_recent AS SELECT id, amount FROM {schema}.rp_orders WHERE placed_at > DATE '2020-01-01'"
    )
    conn.execute(f"COMMENT ON TABLE {schema}.rp_orders IS 'orders placed'")
    schema_oid = conn.execute("SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = %s", (schema,)).fetchone()[0]
    table_oid = conn.execute(
        "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = 'rp_orders' AND c.relnamespace = %s",
        (schema_oid,),
    ).fetchone()[0]

    failures = []
    replay = entries(os.path.join(HERE, "catalog_replay.sql"))
    for title, expect, rows, sql in replay:
        sql = sql.replace("{schema_oid}", str(schema_oid)).replace("{table_oid}", str(table_oid))
        sql = sql.replace("{schema}", schema)
        try:
            # Simple protocol, as the tools' own drivers send statements without parameters.
            cur = conn.cursor()
            cur.execute(sql.encode(), prepare=False)
            cols = [d.name for d in cur.description] if cur.description else []
            got = cur.fetchall() if cur.description else []
        except Exception as e:  # noqa: BLE001 - every failure is reported with its query
            failures.append(f"{title}: {type(e).__name__}: {e}".strip())
            continue
        missing = [c for c in expect if c not in cols]
        if missing:
            failures.append(f"{title}: columns {missing} missing from {cols}")
        if len(set(cols)) != len(cols) and "*" not in sql:
            failures.append(f"{title}: duplicate column names {cols}")
        if not rows_ok(rows, len(got)):
            failures.append(f"{title}: {len(got)} rows, expected {rows}: {got[:5]}")

    conn.execute(f"DROP SCHEMA {schema} CASCADE")
    conn.close()
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    print(f"catalog replay: {len(replay)} queries, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
