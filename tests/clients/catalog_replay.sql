-- Catalog queries that GUI and BI tools send on connect and while browsing a schema, written for
-- Mallard's tests after the tools' documented behaviour (the shapes of their catalog queries, not
-- their text). tests/clients/catalog_replay.py runs each one and checks that it succeeds and
-- returns the columns the tool reads.
--
-- Each entry: "-- query: <tool>: <what>", then "-- expect: <columns the tool reads>" (a subset of
-- the result's columns, in any order), optionally "-- rows: >=N" or "-- rows: N", then the
-- statement ending in ";" at the end of a line. {schema_oid}, {table_oid} and {schema} are
-- filled in by the runner for the schema and table it creates (rp_schema.rp_orders).

-- query: pgadmin: session setup
-- expect: set_config
SELECT set_config('bytea_output', 'hex', false) FROM pg_catalog.pg_settings WHERE name = 'bytea_output';

-- query: pgadmin: server version
-- expect: version
-- rows: 1
SELECT version();

-- query: pgadmin: current database
-- expect: did, datname, datallowconn, serverencoding, cancreate, datistemplate
-- rows: 1
SELECT db.oid AS did, db.datname, db.datallowconn, pg_catalog.pg_encoding_to_char(db.encoding) AS serverencoding,
       pg_catalog.has_database_privilege(db.oid, 'CREATE') AS cancreate, db.datistemplate
FROM pg_catalog.pg_database db WHERE db.datname = current_database();

-- query: pgadmin: login role
-- expect: id, name, is_superuser, can_create_role, can_create_db, can_signal_backend
-- rows: 1
SELECT roles.oid AS id, roles.rolname AS name, roles.rolsuper AS is_superuser,
       CASE WHEN roles.rolsuper THEN true ELSE roles.rolcreaterole END AS can_create_role,
       CASE WHEN roles.rolsuper THEN true ELSE roles.rolcreatedb END AS can_create_db,
       CASE WHEN 'pg_signal_backend' = ANY(ARRAY(
         WITH RECURSIVE cte AS (
           SELECT pg_roles.oid, pg_roles.rolname FROM pg_catalog.pg_roles WHERE pg_roles.oid = roles.oid
           UNION ALL
           SELECT m.roleid, pgr.rolname FROM cte cte_1
             JOIN pg_catalog.pg_auth_members m ON m.member = cte_1.oid
             JOIN pg_catalog.pg_roles pgr ON pgr.oid = m.roleid)
         SELECT rolname FROM cte)) THEN true ELSE false END AS can_signal_backend
FROM pg_catalog.pg_roles AS roles WHERE rolname = current_user;

-- query: pgadmin: recovery state
-- expect: inrecovery, isreplaypaused
-- rows: 1
SELECT CASE WHEN usesuper THEN pg_catalog.pg_is_in_recovery() ELSE NULL END AS inrecovery,
       CASE WHEN usesuper AND pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_is_wal_replay_paused() ELSE NULL END
         AS isreplaypaused
FROM pg_catalog.pg_user WHERE usename = current_user;

-- query: pgadmin: databases node
-- expect: did, name, spcname, datallowconn, cancreate, owner, datistemplate, description
-- rows: >=1
SELECT db.oid AS did, db.datname AS name, ta.spcname, db.datallowconn, db.datistemplate,
       pg_catalog.has_database_privilege(db.oid, 'CREATE') AS cancreate, datdba AS owner,
       pg_catalog.shobj_description(db.oid, 'pg_database') AS description
FROM pg_catalog.pg_database db
LEFT OUTER JOIN pg_catalog.pg_tablespace ta ON db.dattablespace = ta.oid
WHERE db.oid > 16383::oid OR db.datname IN ('postgres', 'edb', current_database())
ORDER BY datname;

-- query: pgadmin: schemas node
-- expect: oid, name, can_create, has_usage, description
-- rows: >=2
SELECT nsp.oid, nsp.nspname AS name,
       pg_catalog.has_schema_privilege(nsp.oid, 'CREATE') AS can_create,
       pg_catalog.has_schema_privilege(nsp.oid, 'USAGE') AS has_usage,
       des.description
FROM pg_catalog.pg_namespace nsp
LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = nsp.oid AND des.classoid = 'pg_namespace'::regclass)
WHERE NOT ((nsp.nspname = 'pg_catalog' AND EXISTS
             (SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'pg_class' AND relnamespace = nsp.oid LIMIT 1))
        OR (nsp.nspname = 'information_schema' AND EXISTS
             (SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'tables' AND relnamespace = nsp.oid LIMIT 1)))
  AND nsp.nspname NOT LIKE E'pg\\_%'
ORDER BY nspname;

-- query: pgadmin: tables node
-- expect: oid, name, triggercount, has_enable_triggers, is_partitioned, schema, schema_id, is_inherits, description
-- rows: 2
SELECT rel.oid, rel.relname AS name,
       (SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = rel.oid AND tgisinternal = false) AS triggercount,
       (SELECT count(*) FROM pg_catalog.pg_trigger
         WHERE tgrelid = rel.oid AND tgisinternal = false AND tgenabled = 'O') AS has_enable_triggers,
       (CASE WHEN rel.relkind = 'p' THEN true ELSE false END) AS is_partitioned,
       nsp.nspname AS schema, nsp.oid AS schema_id,
       COALESCE((SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhrelid = rel.oid), 0) AS is_inherits,
       des.description
FROM pg_catalog.pg_class rel
JOIN pg_catalog.pg_namespace nsp ON nsp.oid = rel.relnamespace
LEFT OUTER JOIN pg_catalog.pg_description des
  ON (des.objoid = rel.oid AND des.objsubid = 0 AND des.classoid = 'pg_class'::regclass)
WHERE rel.relkind IN ('r', 't', 'f', 'p') AND NOT rel.relispartition AND rel.relnamespace = {schema_oid}::oid
ORDER BY rel.relname;

-- query: pgadmin: columns of a table
-- expect: name, oid, datatype, not_null, has_default_val, description
-- rows: 4
SELECT DISTINCT att.attname AS name, att.attnum AS oid, pg_catalog.format_type(ty.oid, NULL) AS datatype,
       att.attnotnull AS not_null, att.atthasdef AS has_default_val, des.description
FROM pg_catalog.pg_attribute att
JOIN pg_catalog.pg_type ty ON ty.oid = atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace
JOIN pg_catalog.pg_class cl ON cl.oid = att.attrelid
JOIN pg_catalog.pg_namespace na ON na.oid = cl.relnamespace
LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid = ty.typelem
LEFT OUTER JOIN pg_catalog.pg_attrdef def ON adrelid = att.attrelid AND adnum = att.attnum
LEFT OUTER JOIN pg_catalog.pg_index pi ON pi.indrelid = att.attrelid AND indisprimary
LEFT OUTER JOIN pg_catalog.pg_description des
  ON (des.objoid = att.attrelid AND des.objsubid = att.attnum AND des.classoid = 'pg_class'::regclass)
WHERE att.attrelid = {table_oid}::oid AND att.attnum > 0 AND att.attisdropped IS FALSE
ORDER BY att.attnum;

-- query: pgadmin: constraints of a table
-- expect: oid, conname, contype, condef
-- rows: 0
SELECT c.oid, c.conname, c.contype, pg_catalog.pg_get_constraintdef(c.oid, true) AS condef
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = {table_oid}::oid
ORDER BY c.conname;

-- query: pgadmin: indexes of a table
-- expect: oid, name, indisprimary, indisunique, indexdef
-- rows: 0
SELECT DISTINCT ON (cls.relname) cls.oid, cls.relname AS name, idx.indisprimary, idx.indisunique,
       pg_catalog.pg_get_indexdef(idx.indexrelid, 0, true) AS indexdef
FROM pg_catalog.pg_index idx
JOIN pg_catalog.pg_class cls ON cls.oid = idx.indexrelid
JOIN pg_catalog.pg_class tab ON tab.oid = idx.indrelid
WHERE idx.indrelid = {table_oid}::oid
ORDER BY cls.relname;

-- query: pgadmin: views node
-- expect: oid, name, definition, description
-- rows: 1
SELECT c.oid, c.relname AS name, pg_catalog.pg_get_viewdef(c.oid, true) AS definition,
       pg_catalog.obj_description(c.oid, 'pg_class') AS description
FROM pg_catalog.pg_class c
WHERE c.relkind = 'v' AND c.relnamespace = {schema_oid}::oid
ORDER BY c.relname;

-- query: pgadmin: functions node
-- expect: oid, name, funcowner, description
SELECT pr.oid, pr.proname || '(' || COALESCE(pg_catalog.pg_get_function_identity_arguments(pr.oid), '') || ')' AS name,
       pg_catalog.pg_get_userbyid(pr.proowner) AS funcowner, des.description
FROM pg_catalog.pg_proc pr
JOIN pg_catalog.pg_type typ ON typ.oid = prorettype
LEFT OUTER JOIN pg_catalog.pg_description des ON (des.objoid = pr.oid AND des.classoid = 'pg_proc'::regclass)
WHERE pr.prokind IN ('f', 'w') AND pronamespace = {schema_oid}::oid AND typname NOT IN ('trigger', 'event_trigger')
ORDER BY proname;

-- query: dbeaver: session
-- expect: current_schema, session_user, current_user
-- rows: 1
SELECT current_schema(), session_user, current_user;

-- query: dbeaver: search path
-- expect: search_path
-- rows: 1
SHOW search_path;

-- query: dbeaver: databases
-- expect: oid, datname, datdba, encoding, datallowconn, datistemplate
-- rows: >=1
SELECT db.oid, db.* FROM pg_catalog.pg_database db WHERE datallowconn AND NOT datistemplate ORDER BY db.datname;

-- query: dbeaver: roles
-- expect: oid, rolname, rolsuper, rolcanlogin
-- rows: >=1
SELECT a.oid, a.* FROM pg_catalog.pg_roles a ORDER BY a.rolname;

-- query: dbeaver: schemas
-- expect: oid, nspname, nspowner, description
-- rows: >=2
SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass
ORDER BY nspname;

-- query: dbeaver: tables and views of a schema
-- expect: oid, relname, relkind, relnamespace, description, tabrelname
-- rows: 3
SELECT c.oid, c.*, t.relname AS tabrelname, rt.relnamespace AS refnamespace, d.description
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid = c.reloftype
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass
WHERE c.relnamespace = {schema_oid}::oid AND c.relkind NOT IN ('i', 'I', 'c', 'S')
ORDER BY c.relname;

-- query: dbeaver: columns of a table
-- expect: relname, attname, atttypid, attnum, attnotnull, def_value, description
-- rows: 4
SELECT c.relname, a.*, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) AS def_value, dsc.description
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid = c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid = ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid = dsc.objoid AND a.attnum = dsc.objsubid)
WHERE NOT a.attisdropped AND c.relkind NOT IN ('i', 'I', 'c') AND c.oid = {table_oid}::oid AND a.attnum > 0
ORDER BY a.attnum;

-- query: dbeaver: constraints of a schema
-- expect: oid, conname, contype, conrelid, conkey, tabrelname, consrc_copy
-- rows: 0
SELECT c.oid, c.*, t.relname AS tabrelname,
       CASE WHEN c.contype = 'c' THEN substr(pg_catalog.pg_get_constraintdef(c.oid), 7) ELSE NULL END AS consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
WHERE t.relnamespace = {schema_oid}::oid AND c.contype <> 'f'
ORDER BY c.oid;

-- query: dbeaver: indexes of a table
-- expect: indexrelid, indrelid, indisunique, indisprimary, keys, relname, tabrelname, pred_expr, expr
-- rows: 0
SELECT i.*, i.indkey AS keys, c.relname, c.relnamespace, c.relam, c.reltablespace, tc.relname AS tabrelname,
       dsc.description, pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS pred_expr,
       pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) AS expr,
       pg_catalog.pg_relation_size(i.indexrelid) AS index_rel_size
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid = dsc.objoid
WHERE i.indrelid = {table_oid}::oid
ORDER BY tc.relname, c.relname;

-- query: dbeaver: data types of pg_catalog
-- expect: oid, typname, typtype, typcategory, typelem, typarray, relkind, base_type_name
-- rows: >=20
SELECT t.oid, t.*, c.relkind, pg_catalog.format_type(NULLIF(t.typbasetype, 0), t.typtypmod) AS base_type_name,
       d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid = d.objoid
WHERE t.typname IS NOT NULL AND (c.relkind IS NULL OR c.relkind = 'c')
  AND t.typnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog');

-- query: dbeaver: procedures of a schema
-- expect: oid, proname, pronamespace, prokind, prorettype, description
SELECT p.oid, p.*, d.description FROM pg_catalog.pg_proc p
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = p.oid
WHERE p.pronamespace = {schema_oid}::oid
ORDER BY p.proname;

-- query: dbeaver: extensions
-- expect: oid, rolname, nspname, extname, extversion
SELECT e.oid, a.rolname, n.nspname, e.*
FROM pg_catalog.pg_extension e
LEFT JOIN pg_catalog.pg_roles a ON e.extowner = a.oid
LEFT JOIN pg_catalog.pg_namespace n ON e.extnamespace = n.oid;

-- query: dbeaver: view definition
-- expect: definition
-- rows: 1
SELECT pg_catalog.pg_get_viewdef(c.oid, true) AS definition FROM pg_catalog.pg_class c
WHERE c.relname = 'rp_recent' AND c.relnamespace = {schema_oid}::oid;

-- query: metabase: schemas visible to the user
-- expect: schema
-- rows: >=2
SELECT nspname AS schema FROM pg_catalog.pg_namespace
WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
  AND pg_catalog.has_schema_privilege(current_user, nspname, 'USAGE')
ORDER BY 1;

-- query: metabase: table privileges
-- expect: role, schema, table, select, update, insert, delete
-- rows: >=3
WITH table_privileges AS (
  SELECT NULL AS role, t.schemaname AS schema, t.objectname AS table,
         pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"', 'UPDATE') AS update,
         pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"', 'SELECT') AS select,
         pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"', 'INSERT') AS insert,
         pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"', 'DELETE') AS delete
  FROM (SELECT schemaname, tablename AS objectname FROM pg_catalog.pg_tables
        UNION SELECT schemaname, viewname AS objectname FROM pg_catalog.pg_views
        UNION SELECT schemaname, matviewname AS objectname FROM pg_catalog.pg_matviews) t
  WHERE t.schemaname !~ '^pg_' AND t.schemaname <> 'information_schema'
    AND pg_catalog.has_schema_privilege(current_user, t.schemaname, 'USAGE'))
SELECT t.* FROM table_privileges t;

-- query: metabase: tables with descriptions
-- expect: schema, name, type, description, estimated_row_count
-- rows: 3
SELECT n.nspname AS schema, c.relname AS name,
       CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW'
                      WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS type,
       d.description AS description, c.reltuples AS estimated_row_count
FROM pg_catalog.pg_class c
INNER JOIN pg_catalog.pg_namespace n ON c.relnamespace = n.oid
LEFT JOIN pg_catalog.pg_description d ON c.oid = d.objoid AND d.objsubid = 0 AND d.classoid = 'pg_class'::regclass
WHERE c.relnamespace = n.oid AND n.nspname = '{schema}' AND c.relkind IN ('r', 'p', 'v', 'f', 'm')
ORDER BY type, schema, name;

-- query: metabase: columns through information_schema
-- expect: name, database_type, database_position, field_comment, pk?, database_required, database_is_auto_increment
-- rows: 4
SELECT c.column_name AS name, c.udt_name AS database_type, c.ordinal_position - 1 AS database_position,
       col_description(('"' || c.table_schema || '"."' || c.table_name || '"')::regclass::oid, c.ordinal_position)
         AS field_comment,
       (SELECT count(*) > 0 FROM information_schema.key_column_usage k
          JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name
           AND tc.table_schema = k.table_schema
         WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema
           AND k.table_name = c.table_name AND k.column_name = c.column_name) AS "pk?",
       c.is_nullable = 'NO' AND c.column_default IS NULL AS database_required,
       coalesce(c.column_default LIKE 'nextval(%', false) AS database_is_auto_increment
FROM information_schema.columns c
WHERE c.table_schema = '{schema}' AND c.table_name = 'rp_orders'
ORDER BY c.ordinal_position;

-- query: metabase: foreign keys
-- expect: fk_table_schema, fk_table_name, fk_column_name, pk_table_schema, pk_table_name, pk_column_name
-- rows: 0
SELECT fk_ns.nspname AS fk_table_schema, fk_table.relname AS fk_table_name, fk_column.attname AS fk_column_name,
       pk_ns.nspname AS pk_table_schema, pk_table.relname AS pk_table_name, pk_column.attname AS pk_column_name
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class fk_table ON c.conrelid = fk_table.oid
JOIN pg_catalog.pg_namespace fk_ns ON c.connamespace = fk_ns.oid
JOIN pg_catalog.pg_attribute fk_column ON c.conrelid = fk_column.attrelid AND fk_column.attnum = c.conkey[1]
JOIN pg_catalog.pg_class pk_table ON c.confrelid = pk_table.oid
JOIN pg_catalog.pg_namespace pk_ns ON pk_table.relnamespace = pk_ns.oid
JOIN pg_catalog.pg_attribute pk_column ON c.confrelid = pk_column.attrelid AND pk_column.attnum = c.confkey[1]
WHERE c.contype = 'f' AND fk_ns.nspname = '{schema}';

-- query: grafana: health check
-- rows: 1
SELECT 1;

-- query: grafana: server version for the query builder
-- expect: version
-- rows: 1
SELECT current_setting('server_version_num')::int / 100 AS version;

-- query: grafana: timescaledb present
-- expect: extversion
-- rows: 0
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'timescaledb';

-- query: grafana: schemas for the query builder
-- expect: schema
-- rows: >=1
SELECT DISTINCT quote_ident(table_schema) AS schema FROM information_schema.tables
WHERE table_schema NOT IN ('information_schema', 'pg_catalog', '_timescaledb_cache', '_timescaledb_catalog',
                           '_timescaledb_internal', '_timescaledb_config', 'timescaledb_information',
                           'timescaledb_experimental')
ORDER BY 1;

-- query: grafana: tables of a schema
-- expect: table
-- rows: 3
SELECT quote_ident(table_name) AS table FROM information_schema.tables
WHERE quote_ident(table_schema) = '{schema}' ORDER BY table_name;

-- query: grafana: columns of a table
-- expect: column_name, data_type
-- rows: 4
SELECT quote_ident(column_name) AS column_name, data_type FROM information_schema.columns
WHERE quote_ident(table_schema) = '{schema}' AND quote_ident(table_name) = 'rp_orders'
ORDER BY column_name;

-- query: grafana: time columns of a table
-- expect: column_name
-- rows: 1
SELECT quote_ident(column_name) AS column_name FROM information_schema.columns
WHERE table_schema = '{schema}' AND table_name = 'rp_orders'
  AND data_type IN ('timestamp without time zone', 'timestamp with time zone', 'bigint', 'integer', 'double precision',
                    'real', 'date')
  AND column_name = 'placed_at';

-- query: grafana: search path first schema
-- expect: schema
-- rows: 1
SELECT trim(both '"' from split_part(current_setting('search_path'), ',', 2)) AS schema;

-- query: pgadmin: dashboard sessions graph
-- expect: total, active, idle
-- rows: 1
SELECT (SELECT count(*) FROM pg_catalog.pg_stat_activity) AS total,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE state = 'active') AS active,
       (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE state = 'idle') AS idle;

-- query: pgadmin: dashboard transactions and tuples graphs
-- expect: datname, numbackends, xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched, tup_returned, blks_read, blks_hit
-- rows: 1
SELECT datname, numbackends, xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_fetched,
       tup_returned, blks_read, blks_hit
FROM pg_catalog.pg_stat_database WHERE datname = current_database();

-- query: pgadmin: dashboard server activity
-- expect: pid, datname, usename, application_name, client_addr, backend_start, state, wait_event_type, wait_event, query, backend_type
-- rows: >=1
SELECT pid, datname, usename, application_name, client_addr, pg_catalog.to_char(backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') AS backend_start,
       state, wait_event_type || ': ' || wait_event AS wait_event, wait_event_type, query, backend_type
FROM pg_catalog.pg_stat_activity WHERE datname = current_database() ORDER BY pid;

-- query: pgadmin: dashboard locks
-- expect: pid, datname, locktype, relation, page, tuple, virtualxid, transactionid, classid, objid, objsubid, virtualtransaction, mode, granted, fastpath
SELECT l.pid, d.datname, l.locktype, l.relation::regclass::text AS relation, l.page, l.tuple, l.virtualxid,
       l.transactionid::text, l.classid, l.objid, l.objsubid, l.virtualtransaction, l.mode, l.granted, l.fastpath
FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_database d ON d.oid = l.database
WHERE l.locktype = 'advisory';

-- query: pgadmin: dashboard prepared transactions
-- expect: git, database, owner, transaction, prepared
-- rows: 0
SELECT gid AS git, database, owner, transaction, pg_catalog.to_char(prepared, 'YYYY-MM-DD HH24:MI:SS TZ') AS prepared
FROM pg_catalog.pg_prepared_xacts;

-- query: pgadmin: table statistics
-- expect: seq_scan, idx_scan, n_tup_ins, n_live_tup, last_vacuum, heap_blks_read
-- rows: 1
SELECT st.seq_scan, st.idx_scan, st.n_tup_ins, st.n_live_tup, st.last_vacuum, stat.heap_blks_read
FROM pg_catalog.pg_stat_all_tables st JOIN pg_catalog.pg_statio_user_tables stat ON stat.relid = st.relid
WHERE st.relid = {table_oid};

-- query: pgadmin: index statistics of a table
-- expect: indexrelname, idx_scan, idx_tup_read
SELECT indexrelname, idx_scan, idx_tup_read FROM pg_catalog.pg_stat_user_indexes WHERE relid = {table_oid};

-- query: dbeaver: extensions and foreign data
-- expect: name, default_version, installed_version
SELECT e.name, e.default_version, e.installed_version FROM pg_catalog.pg_available_extensions e
WHERE e.name NOT IN (SELECT fdwname FROM pg_catalog.pg_foreign_data_wrapper)
  AND e.name NOT IN (SELECT srvname FROM pg_catalog.pg_foreign_server)
  AND e.name = 'no-such-extension';

-- query: dbeaver: database comment
-- expect: description
SELECT description FROM pg_catalog.pg_shdescription
WHERE objoid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database());

-- query: dbeaver: time zones
-- expect: name, abbrev, utc_offset, is_dst
-- rows: >=1
SELECT name, abbrev, utc_offset, is_dst FROM pg_catalog.pg_timezone_names WHERE name = 'Europe/Paris';
