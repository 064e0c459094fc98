#!/usr/bin/python3
"""SQLAlchemy (Core, reflection and the ORM) and pandas over psycopg2 against Mallard, with their
defaults: what a notebook or a data application does with a PostgreSQL URL. pandas writes a
DataFrame with to_sql (which reflects the table first) and reads it back; the inspector reflects
tables, views, columns, keys, indexes and comments through its catalog queries; the ORM inserts,
updates and deletes in a session, with a nested transaction (a savepoint) rolled back."""

import datetime
import decimal
import os
import sys

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql as pg

failures = []


def check(label, got, want):
    if got != want or type(got) is not type(want):
        failures.append(f"{label}: got {got!r} ({type(got).__name__}), want {want!r} ({type(want).__name__})")


def engine():
    url = sa.engine.URL.create(
        "postgresql+psycopg2",
        username=os.environ["MALLARD_USER"],
        password=os.environ["MALLARD_PASSWORD"],
        host=os.environ["MALLARD_HOST"],
        port=int(os.environ["MALLARD_PORT"]),
        database=os.environ["MALLARD_DBNAME"],
    )
    return sa.create_engine(url, connect_args={"connect_timeout": 15})


def pandas_round_trip(eng):
    df = pd.DataFrame(
        {
            "id": range(1, 6),
            "name": ["a", "b", None, "d", "e'"],
            "x": [1.5, 2.0, float("nan"), 4.25, -5.0],
            "ts": pd.date_range("2024-01-01 08:00", periods=5, freq="D"),
            "flag": [True, False, True, None, True],
        }
    )
    check("to_sql replace", df.to_sql("sa_frame", eng, if_exists="replace", index=False), 5)
    # A second write appends, with multi-row INSERTs in chunks.
    df.assign(id=df.id + 10).to_sql("sa_frame", eng, if_exists="append", index=False, method="multi", chunksize=2)
    back = pd.read_sql("SELECT * FROM sa_frame ORDER BY id", eng)
    check("read_sql rows", len(back), 10)
    check("read_sql columns", list(back.columns), ["id", "name", "x", "ts", "flag"])
    check("ids", back.id.tolist(), [1, 2, 3, 4, 5, 11, 12, 13, 14, 15])
    check("names", back.name.tolist()[:5], ["a", "b", None, "d", "e'"])
    check("NaN is NULL", bool(back.x.isna().tolist()[2]), True)
    check("floats", back.x.tolist()[3], 4.25)
    check("timestamps", back.ts.tolist()[1], pd.Timestamp("2024-01-02 08:00"))
    check("booleans", back.flag.tolist()[:3], [True, False, True])
    check("dtypes", [str(t) for t in back.dtypes], ["int64", "object", "float64", "datetime64[ns]", "object"])
    params = pd.read_sql(sa.text("SELECT id FROM sa_frame WHERE x > :lo AND name <> :n ORDER BY id"), eng,
                         params={"lo": 1.9, "n": "d"})
    check("read_sql with parameters", params.id.tolist(), [2, 12])
    table = pd.read_sql_table("sa_frame", eng)
    check("read_sql_table", table.shape, (10, 5))
    # replace drops and creates the table again.
    df.head(2).to_sql("sa_frame", eng, if_exists="replace", index=False)
    check("replaced", pd.read_sql("SELECT count(*) AS n FROM sa_frame", eng).n.tolist(), [2])


def reflection(eng):
    with eng.begin() as c:
        c.execute(sa.text("DROP VIEW IF EXISTS sa_view"))
        c.execute(sa.text("DROP TABLE IF EXISTS sa_items"))
        c.execute(sa.text("CREATE TABLE sa_items (id integer NOT NULL, label varchar(20), price numeric(10,2), "
                          "born date, tags text[])"))
        c.execute(sa.text("COMMENT ON TABLE sa_items IS 'things for sale'"))
        c.execute(sa.text("CREATE VIEW sa_view AS SELECT id, label FROM sa_items"))
    insp = sa.inspect(eng)
    schema = insp.default_schema_name
    check("default schema listed", schema in insp.get_schema_names(), True)
    check("tables", sorted(t for t in insp.get_table_names() if t.startswith("sa_")), ["sa_frame", "sa_items"])
    check("views", [v for v in insp.get_view_names() if v.startswith("sa_")], ["sa_view"])
    cols = insp.get_columns("sa_items")
    check("column names", [c["name"] for c in cols], ["id", "label", "price", "born", "tags"])
    check("nullable", [c["nullable"] for c in cols], [False, True, True, True, True])
    check("types", [type(c["type"]).__name__ for c in cols], ["INTEGER", "VARCHAR", "NUMERIC", "DATE", "ARRAY"])
    check("varchar length", cols[1]["type"].length, 20)
    check("numeric precision", (cols[2]["type"].precision, cols[2]["type"].scale), (10, 2))
    check("primary key", insp.get_pk_constraint("sa_items")["constrained_columns"], [])
    check("foreign keys", insp.get_foreign_keys("sa_items"), [])
    check("indexes", insp.get_indexes("sa_items"), [])
    check("unique constraints", insp.get_unique_constraints("sa_items"), [])
    check("table comment", insp.get_table_comment("sa_items")["text"], "things for sale")
    check("has_table", (insp.has_table("sa_items"), insp.has_table("sa_nothing")), (True, False))
    check("view columns", [c["name"] for c in insp.get_columns("sa_view")], ["id", "label"])
    check("view definition mentions its table", "sa_items" in insp.get_view_definition("sa_view"), True)


def core(eng):
    md = sa.MetaData()
    items = sa.Table("sa_items", md, autoload_with=eng)
    rows = [{"id": i, "label": f"item {i}", "price": decimal.Decimal(f"{i}.50"), "born": datetime.date(2024, 3, i),
             "tags": [f"t{i}", "all"]} for i in range(1, 8)]
    with eng.begin() as c:
        check("executemany rowcount", c.execute(items.insert(), rows).rowcount, 7)
    with eng.connect() as c:
        got = c.execute(sa.select(items.c.id, items.c.price).where(items.c.id.in_([2, 5])).order_by(items.c.id))
        check("IN list", got.fetchall(), [(2, decimal.Decimal("2.50")), (5, decimal.Decimal("5.50"))])
        got = c.execute(sa.select(items.c.id).where(items.c.id == sa.any_(sa.literal([3, 4], sa.ARRAY(sa.Integer))))
                        .order_by(items.c.id))
        check("= ANY (array parameter)", got.scalars().all(), [3, 4])
        got = c.execute(sa.select(items.c.label).where(items.c.tags.any("t6")))
        check("ANY over an array column", got.scalars().all(), ["item 6"])
        got = c.execute(sa.select(sa.func.count(), sa.func.sum(items.c.price)).where(items.c.born >= datetime.date(2024, 3, 4)))
        check("aggregates", tuple(got.one()), (4, decimal.Decimal("24.00")))
    with eng.begin() as c:
        check("update", c.execute(items.update().where(items.c.id > 5).values(label="late")).rowcount, 2)
        check("delete", c.execute(items.delete().where(items.c.id == 1)).rowcount, 1)
    with eng.connect() as c:
        check("after update and delete",
              c.execute(sa.select(items.c.label).order_by(items.c.id)).scalars().all(),
              ["item 2", "item 3", "item 4", "item 5", "late", "late"])
    # A NOT NULL violation is an IntegrityError, and the transaction is rolled back.
    try:
        with eng.begin() as c:
            c.execute(items.insert(), [{"id": 100, "label": "kept?"}])
            c.execute(items.insert(), [{"id": None, "label": "no id"}])
        failures.append("NOT NULL violation: no error")
    except sa.exc.IntegrityError as e:
        check("sqlstate", e.orig.pgcode, "23502")
    with eng.connect() as c:
        check("nothing of the failed transaction", c.execute(sa.text("SELECT count(*) FROM sa_items WHERE id = 100")).scalar(), 0)


def json_lookups(eng):
    """JSONB columns and the lookups SQLAlchemy writes for them: ?, ?|, @>, <@, ->> and #>>."""
    md = sa.MetaData()
    docs = sa.Table("sa_docs", md, sa.Column("id", sa.Integer, nullable=False), sa.Column("doc", pg.JSONB))
    md.create_all(eng)
    with eng.begin() as c:
        c.execute(docs.insert(), [{"id": 1, "doc": {"k": 1, "tags": ["x", "y"], "n": {"m": "deep"}}},
                                  {"id": 2, "doc": {"j": 2, "tags": ["z"]}}, {"id": 3, "doc": ["k", "w"]}])
    with eng.connect() as c:
        def ids(where):
            return c.execute(sa.select(docs.c.id).where(where).order_by(docs.c.id)).scalars().all()
        check("has_key", ids(docs.c.doc.has_key("k")), [1, 3])
        check("has_any", ids(docs.c.doc.has_any(pg.array(["j", "w"]))), [2, 3])
        check("has_all", ids(docs.c.doc.has_all(pg.array(["k", "tags"]))), [1])
        check("contains", ids(docs.c.doc.contains({"tags": ["x"]})), [1])
        check("contained_by", ids(docs.c.doc.contained_by({"j": 2, "tags": ["z"], "other": 0})), [2])
        check("key as text", ids(docs.c.doc["j"].astext == "2"), [2])
        check("path as text", ids(docs.c.doc[("n", "m")].astext == "deep"), [1])
        check("read back", c.execute(sa.select(docs.c.doc).where(docs.c.id == 2)).scalar(), {"j": 2, "tags": ["z"]})
    md.drop_all(eng)


class Base(orm.declarative_base()):
    __abstract__ = True


class Bird(Base):
    # Created by create_all: a serial primary key (SQLAlchemy's default for an integer key), which
    # the inserts below leave to the server and read back with RETURNING, and a UNIQUE name.
    __tablename__ = "sa_birds"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(40), nullable=False, unique=True)
    weight = sa.Column(sa.Float)
    seen = sa.Column(sa.DateTime)


def orm_session(eng):
    with eng.begin() as c:
        c.execute(sa.text("DROP TABLE IF EXISTS sa_birds"))
    Base.metadata.create_all(eng)
    insp = sa.inspect(eng)
    check("birds key", insp.get_pk_constraint("sa_birds")["constrained_columns"], ["id"])
    check("birds unique", [(u["name"], u["column_names"]) for u in insp.get_unique_constraints("sa_birds")],
          [("sa_birds_name_key", ["name"])])
    check("birds id default", insp.get_columns("sa_birds")[0]["default"], "nextval('sa_birds_id_seq'::regclass)")
    with orm.Session(eng) as s:
        birds = [Bird(name="mallard", weight=1.1, seen=datetime.datetime(2024, 5, 1, 6, 30)),
                 Bird(name="teal", weight=0.3), Bird(name="goose", weight=4.5)]
        s.add_all(birds)
        s.commit()
        check("server-made ids", [b.id for b in birds], [1, 2, 3])
        teal = s.get(Bird, 2)
        check("get by key", teal.name, "teal")
        teal.weight = 0.35
        # A nested transaction (SAVEPOINT) that fails is rolled back alone.
        try:
            with s.begin_nested():
                s.add(Bird(name="swan"))
                s.flush()
                raise ValueError("changed my mind")
        except ValueError:
            pass
        # A duplicate name fails with IntegrityError (23505) inside its savepoint; the rest stays.
        try:
            with s.begin_nested():
                s.add(Bird(name="teal"))
                s.flush()
            check("duplicate name refused", False, True)
        except sa.exc.IntegrityError as e:
            check("duplicate name sqlstate", e.orig.pgcode, "23505")
        s.delete(s.get(Bird, 3))
        s.commit()
        got = s.execute(sa.select(Bird.id, Bird.name, Bird.weight).order_by(Bird.id)).all()
        check("after the session", [tuple(r) for r in got], [(1, "mallard", 1.1), (2, "teal", 0.35)])
        check("filter_by", s.query(Bird).filter_by(name="mallard").one().seen, datetime.datetime(2024, 5, 1, 6, 30))
        check("count", s.query(Bird).filter(Bird.weight < 1).count(), 1)
        later = Bird(name="heron")
        s.add(later)
        s.commit()
        check("ids go on", later.id, 6)
    # PostgreSQL's upsert as the dialect writes it: INSERT ... ON CONFLICT (name) DO UPDATE SET
    # weight = excluded.weight ... RETURNING, for a row whose name is taken and one that is new.
    stmt = pg.insert(Bird.__table__).values([{"name": "teal", "weight": 0.4}, {"name": "wigeon", "weight": 0.7}])
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"weight": stmt.excluded.weight})
    with eng.begin() as c:
        got = c.execute(stmt.returning(Bird.__table__.c.name, Bird.__table__.c.weight)).all()
        check("upsert returns both rows", sorted(tuple(r) for r in got), [("teal", 0.4), ("wigeon", 0.7)])
        got = c.execute(sa.select(Bird.name, Bird.weight).order_by(Bird.name)).all()
        check("after the upsert", [tuple(r) for r in got],
              [("heron", None), ("mallard", 1.1), ("teal", 0.4), ("wigeon", 0.7)])


def main():
    eng = engine()
    with eng.connect() as c:
        check("select 1", c.execute(sa.text("SELECT 1")).scalar(), 1)
        check("server version", eng.dialect.server_version_info >= (15,), True)
    pandas_round_trip(eng)
    reflection(eng)
    core(eng)
    json_lookups(eng)
    orm_session(eng)
    with eng.begin() as c:
        for stmt in ("DROP VIEW sa_view", "DROP TABLE sa_items", "DROP TABLE sa_frame", "DROP TABLE sa_birds"):
            c.execute(sa.text(stmt))
    eng.dispose()
    if failures:
        for f in failures:
            print("FAIL", f, file=sys.stderr)
        return 1
    print("sqlalchemy: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
