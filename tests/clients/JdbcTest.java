// pgjdbc against Mallard with the driver's defaults: server-prepared statements once a statement
// has run prepareThreshold times, batched inserts, setFetchSize cursors inside a transaction, and
// DatabaseMetaData.getTables / getColumns over the catalog.

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

public class JdbcTest {
  private static final List<String> failures = new ArrayList<>();

  private static void check(String label, Object got, Object want) {
    if (!Objects.equals(got, want)) failures.add(label + ": got " + got + ", want " + want);
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null) throw new IllegalStateException(name + " is not set");
    return v;
  }

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://" + env("MALLARD_HOST") + ":" + env("MALLARD_PORT") + "/" + env("MALLARD_DBNAME");
    Properties props = new Properties();
    props.setProperty("user", env("MALLARD_USER"));
    props.setProperty("password", env("MALLARD_PASSWORD"));
    props.setProperty("connectTimeout", "15");
    // Extra driver properties ("sslmode=disable" to read a packet trace); none by default.
    String extra = System.getenv("MALLARD_JDBC_OPTIONS");
    if (extra != null && !extra.isEmpty()) {
      for (String kv : extra.split("&")) {
        String[] p = kv.split("=", 2);
        props.setProperty(p[0], p.length > 1 ? p[1] : "");
      }
    }
    try (Connection conn = DriverManager.getConnection(url, props)) {
      run(conn);
    }
    if (!failures.isEmpty()) {
      for (String f : failures) System.err.println("FAIL " + f);
      System.exit(1);
    }
    System.out.println("jdbc: all checks passed");
  }

  private static void run(Connection conn) throws SQLException {
    DatabaseMetaData md = conn.getMetaData();
    check("product", md.getDatabaseProductName(), "PostgreSQL");
    check("major version", md.getDatabaseMajorVersion(), 15);

    try (Statement st = conn.createStatement()) {
      st.execute("DROP TABLE IF EXISTS jd_items");
      st.execute("CREATE TABLE jd_items (id integer NOT NULL, name varchar, price numeric(10,2), "
          + "created timestamp, day date, active boolean, weight double precision, big bigint)");
    }

    // Batched inserts, autocommit off.
    conn.setAutoCommit(false);
    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO jd_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (int i = 1; i <= 200; i++) {
        ps.setInt(1, i);
        ps.setString(2, "item " + i);
        ps.setBigDecimal(3, new BigDecimal(i + ".50"));
        ps.setTimestamp(4, Timestamp.valueOf(LocalDateTime.of(2024, 3, 1, 12, 0).plusMinutes(i)));
        ps.setDate(5, Date.valueOf("2024-03-01"));
        ps.setBoolean(6, i % 2 == 0);
        ps.setDouble(7, i * 0.25);
        if (i % 10 == 0) ps.setNull(8, Types.BIGINT); else ps.setLong(8, 1L << 40 | i);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      check("batch size", counts.length, 200);
      int sum = 0;
      for (int c : counts) sum += (c == Statement.SUCCESS_NO_INFO ? 1 : c);
      check("batch rows", sum, 200);
    }
    conn.commit();

    // The same PreparedStatement past prepareThreshold switches to a named server statement.
    try (PreparedStatement ps = conn.prepareStatement("SELECT name, price, active, big FROM jd_items WHERE id = ?")) {
      for (int i = 1; i <= 12; i++) {
        ps.setInt(1, i);
        try (ResultSet rs = ps.executeQuery()) {
          check("prepared has row " + i, rs.next(), true);
          check("prepared name " + i, rs.getString(1), "item " + i);
          check("prepared price " + i, rs.getBigDecimal(2), new BigDecimal(i + ".50"));
          check("prepared active " + i, rs.getBoolean(3), i % 2 == 0);
          Object big = rs.getObject(4);
          check("prepared big " + i, big, i % 10 == 0 ? null : (Object) (1L << 40 | i));
          check("prepared single row " + i, rs.next(), false);
        }
      }
      check("server prepared", ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare(), true);
    }
    conn.commit();

    // Result metadata comes from RowDescription type OIDs.
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM jd_items WHERE id = 1")) {
      ResultSetMetaData rm = rs.getMetaData();
      List<String> types = new ArrayList<>();
      for (int c = 1; c <= rm.getColumnCount(); c++) types.add(rm.getColumnTypeName(c));
      check("column type names", types,
          Arrays.asList("int4", "varchar", "numeric", "timestamp", "date", "bool", "float8", "int8"));
      check("column sql type", rm.getColumnType(3), Types.NUMERIC);
      // From RowDescription's table OID and column number, looked up in pg_class / pg_attribute.
      check("base table name", rm.unwrap(org.postgresql.PGResultSetMetaData.class).getBaseTableName(2), "jd_items");
      check("base column name", rm.unwrap(org.postgresql.PGResultSetMetaData.class).getBaseColumnName(2), "name");
      check("not null column", rm.isNullable(1), ResultSetMetaData.columnNoNulls);
      check("nullable column", rm.isNullable(2), ResultSetMetaData.columnNullable);
      rs.next();
      check("timestamp", rs.getTimestamp(4), Timestamp.valueOf("2024-03-01 12:01:00"));
      check("date", rs.getDate(5), Date.valueOf("2024-03-01"));
      check("double", rs.getDouble(7), 0.25);
    }
    conn.commit();

    // setFetchSize inside a transaction fetches through a portal in batches.
    try (PreparedStatement ps = conn.prepareStatement("SELECT id FROM jd_items WHERE id > ? ORDER BY id")) {
      ps.setFetchSize(16);
      ps.setInt(1, 0);
      try (ResultSet rs = ps.executeQuery()) {
        int n = 0;
        long sum = 0;
        while (rs.next()) {
          n++;
          sum += rs.getInt(1);
        }
        check("fetch size rows", n, 200);
        check("fetch size sum", sum, 20100L);
      }
    }
    conn.commit();

    // Rollback and error recovery.
    try (Statement st = conn.createStatement()) {
      check("update count", st.executeUpdate("UPDATE jd_items SET active = NOT active WHERE id <= 50"), 50);
      conn.rollback();
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM jd_items WHERE active")) {
        rs.next();
        check("rollback", rs.getLong(1), 100L);
      }
      try {
        st.executeQuery("SELECT * FROM jd_missing");
        failures.add("missing table: no error");
      } catch (SQLException e) {
        check("missing table sqlstate", e.getSQLState(), "42P01");
      }
      conn.rollback();
    }

    // DatabaseMetaData over the catalog.
    try (ResultSet rs = md.getTables(null, null, "jd_items", new String[] {"TABLE"})) {
      check("getTables found", rs.next(), true);
      check("getTables name", rs.getString("TABLE_NAME"), "jd_items");
      check("getTables schema", rs.getString("TABLE_SCHEM"), "main");
      check("getTables type", rs.getString("TABLE_TYPE"), "TABLE");
      check("getTables one row", rs.next(), false);
    }
    try (ResultSet rs = md.getColumns(null, null, "jd_items", null)) {
      List<String> cols = new ArrayList<>();
      List<Integer> types = new ArrayList<>();
      List<String> typeNames = new ArrayList<>();
      List<Integer> nullable = new ArrayList<>();
      List<Integer> positions = new ArrayList<>();
      while (rs.next()) {
        cols.add(rs.getString("COLUMN_NAME"));
        types.add(rs.getInt("DATA_TYPE"));
        typeNames.add(rs.getString("TYPE_NAME"));
        nullable.add(rs.getInt("NULLABLE"));
        positions.add(rs.getInt("ORDINAL_POSITION"));
        if (rs.getString("COLUMN_NAME").equals("price")) {
          check("numeric precision", rs.getInt("COLUMN_SIZE"), 10);
          check("numeric scale", rs.getInt("DECIMAL_DIGITS"), 2);
        }
      }
      check("getColumns names", cols, Arrays.asList("id", "name", "price", "created", "day", "active", "weight", "big"));
      check("getColumns types", types, Arrays.asList(Types.INTEGER, Types.VARCHAR, Types.NUMERIC, Types.TIMESTAMP,
          Types.DATE, Types.BIT, Types.DOUBLE, Types.BIGINT));
      check("getColumns type names", typeNames,
          Arrays.asList("int4", "varchar", "numeric", "timestamp", "date", "bool", "float8", "int8"));
      check("getColumns nullable", nullable.get(0), DatabaseMetaData.columnNoNulls);
      check("getColumns nullable 2", nullable.get(1), DatabaseMetaData.columnNullable);
      check("getColumns positions", positions, Arrays.asList(1, 2, 3, 4, 5, 6, 7, 8));
    }
    // Keys and indexes: none on the lake table; a temporary table's primary key (pgjdbc expands
    // pg_index.indkey with information_schema._pg_expandarray).
    try (ResultSet rs = md.getPrimaryKeys(null, null, "jd_items")) {
      check("getPrimaryKeys lake table", rs.next(), false);
    }
    try (ResultSet rs = md.getImportedKeys(null, null, "jd_items")) {
      check("getImportedKeys", rs.next(), false);
    }
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE TEMP TABLE jd_pk (k integer PRIMARY KEY, v text)");
    }
    try (ResultSet rs = md.getPrimaryKeys(null, null, "jd_pk")) {
      check("getPrimaryKeys found", rs.next(), true);
      check("getPrimaryKeys column", rs.getString("COLUMN_NAME"), "k");
      check("getPrimaryKeys seq", rs.getInt("KEY_SEQ"), 1);
      check("getPrimaryKeys one row", rs.next(), false);
    }
    try (ResultSet rs = md.getIndexInfo(null, null, "jd_pk", true, false)) {
      check("getIndexInfo found", rs.next(), true);
      check("getIndexInfo column", rs.getString("COLUMN_NAME"), "k");
      check("getIndexInfo unique", rs.getBoolean("NON_UNIQUE"), false);
    }
    // Functions and their parameters: pgjdbc splits pg_proc.proargtypes (an oidvector) at blanks.
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE TEMP MACRO jd_add(a, b) AS a + b");
    }
    try (ResultSet rs = md.getFunctions(null, null, "jd_add")) {
      check("getFunctions found", rs.next(), true);
      check("getFunctions name", rs.getString("FUNCTION_NAME"), "jd_add");
      check("getFunctions one row", rs.next(), false);
    }
    try (ResultSet rs = md.getFunctionColumns(null, null, "jd_add", null)) {
      List<String> params = new ArrayList<>();
      while (rs.next()) {
        if (rs.getInt("COLUMN_TYPE") == DatabaseMetaData.functionColumnIn) params.add(rs.getString("COLUMN_NAME"));
      }
      check("getFunctionColumns parameters", params, Arrays.asList("a", "b"));
    }
    try (ResultSet rs = md.getProcedureColumns(null, null, "jd_add", null)) {
      int n = 0;
      while (rs.next()) {
        if (rs.getInt("COLUMN_TYPE") == DatabaseMetaData.procedureColumnIn) ++n;
      }
      check("getProcedureColumns parameters", n, 2);
    }
    String keywords = md.getSQLKeywords();
    check("getSQLKeywords lists non-SQL:2003 keywords", Arrays.asList(keywords.split(",")).contains("limit"), true);
    conn.commit();

    conn.setAutoCommit(true);
    try (Statement st = conn.createStatement()) {
      st.execute("DROP TABLE jd_items");
      st.execute("DROP TABLE jd_pk");
    }
  }
}
