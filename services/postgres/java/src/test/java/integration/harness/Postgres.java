// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * PostgreSQL for the tests: parameters {@code @Postgres.Db Connection}, {@code @Postgres.CleanDb
 * Connection}, {@code DataSource} and {@code @Postgres.Url String}.
 *
 * <p>Isolation: {@code @Db} wraps each test in a transaction that is rolled back after it
 * (nothing to clean; {@code commit()} throws); {@code @CleanDb} is for code under test that
 * commits on its own connections (give it the {@code DataSource} or the {@code @Url}) and empties
 * every table with rows before and after the test. Under {@code PARALLEL=N} each worker JVM has
 * a database of its own ({@code <database>_w<N>}), created empty and dropped at the end.
 *
 * <p>The guard judges the host and database pgjdbc itself parses from the URL; before the run the
 * harness connects, checks {@code current_database()} again, claims the database with a
 * session-level advisory lock (two runs at once cannot empty each other's tables; the same lock
 * as the Python and TypeScript harnesses) and empties every table with rows a killed run left.
 * Every harness session bounds its statements ({@code statement_timeout} 30 s, {@code
 * lock_timeout} 10 s). The schema is every {@code schema/*.sql} file, run again when one changes;
 * with migrations=flyway it is the project's Flyway migrations instead (see {@code Migrations}),
 * run once per test JVM, and {@code flyway_schema_history} is never emptied.
 */
public final class Postgres implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("postgres");
  static final String URL_VAR = Services.Catalogue.urlVar("postgres");
  static final String SCHEMA_TABLE = "integration_harness_schema";
  /** Tables the cleaning never empties: the schema digest and Flyway's version table. */
  static final Set<String> KEPT_TABLES =
      Set.of(
          SCHEMA_TABLE,
          "alembic_version",
          "goose_db_version",
          "flyway_schema_history",
          "knex_migrations",
          "knex_migrations_lock");
  private static final Set<String> PERMANENT_STATES = Set.of("28P01", "28000", "3D000", "42501");
  private static final String TABLES =
      "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
          + " AND n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
          + " ORDER BY 1, 2";

  /** A {@code Connection} in a transaction rolled back after the test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Db {}

  /** An autocommit {@code Connection}; every table with rows is emptied before and after. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface CleanDb {}

  /** The JDBC URL (with user and password) of this worker's database, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  /**
   * A {@code DataSource} on an empty scratch database of this test's own ({@code
   * <worker's database>_mig_<random>}, guarded like it), dropped after the test: for checking
   * migrations from empty.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Scratch {}

  /** Where pgjdbc will connect for a URL: its JDBC form, credentials, hosts and database. */
  record Where(String jdbcUrl, Properties credentials, List<String> hosts, String database) {
    Where withDatabase(String name) {
      int slash = jdbcUrl.indexOf('/', "jdbc:postgresql://".length());
      int query = jdbcUrl.indexOf('?');
      String rest = query < 0 ? "" : jdbcUrl.substring(query);
      String base = slash < 0 ? (query < 0 ? jdbcUrl : jdbcUrl.substring(0, query)) : jdbcUrl.substring(0, slash);
      return parse(base + "/" + name + rest, credentials);
    }

    /** The JDBC URL with user and password as parameters, for code under test. */
    String urlWithCredentials() {
      StringBuilder url = new StringBuilder(jdbcUrl);
      char separator = jdbcUrl.contains("?") ? '&' : '?';
      for (String key : List.of("user", "password")) {
        String value = credentials.getProperty(key);
        if (value != null) {
          url.append(separator)
              .append(key)
              .append('=')
              .append(java.net.URLEncoder.encode(value, StandardCharsets.UTF_8));
          separator = '&';
        }
      }
      return url.toString();
    }
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The target of {@code url}: a {@code postgresql://} URL (as libpq) or a JDBC URL. */
  static Where target(String url) {
    Properties credentials = new Properties();
    String jdbc;
    if (url.startsWith("jdbc:postgresql:")) {
      jdbc = url;
    } else if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
      String rest = url.substring(url.indexOf("://") + 3);
      int end = rest.length();
      for (char stop : new char[] {'/', '?'}) {
        int at = rest.indexOf(stop);
        if (at >= 0 && at < end) {
          end = at;
        }
      }
      String authority = rest.substring(0, end);
      int at = authority.lastIndexOf('@');
      if (at >= 0) {
        String userInfo = authority.substring(0, at);
        int colon = userInfo.indexOf(':');
        credentials.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
        if (colon >= 0) {
          credentials.setProperty("password", decode(userInfo.substring(colon + 1)));
        }
        authority = authority.substring(at + 1);
      }
      jdbc = "jdbc:postgresql://" + authority + rest.substring(end);
    } else {
      throw new IllegalArgumentException(
          URL_VAR + " must be a postgresql:// URL (or a jdbc:postgresql: URL), not "
              + Safety.redact(url));
    }
    return parse(jdbc, credentials);
  }

  private static Where parse(String jdbc, Properties credentials) {
    Properties parsed = org.postgresql.Driver.parseURL(jdbc, new Properties());
    if (parsed == null) {
      throw new IllegalArgumentException(URL_VAR + ": pgjdbc cannot parse " + Safety.redact(jdbc));
    }
    List<String> hosts = new ArrayList<>();
    for (String host : parsed.getProperty("PGHOST", "").split(",")) {
      if (!host.isBlank()) {
        hosts.add(host.strip());
      }
    }
    if (hosts.isEmpty()) {
      hosts.add("localhost");
    }
    return new Where(jdbc, credentials, hosts, parsed.getProperty("PGDBNAME", "").strip());
  }

  static Connection connect(Where target, Duration timeout) throws SQLException {
    Properties properties = new Properties();
    properties.putAll(target.credentials());
    long seconds = Math.max(2, (timeout.toMillis() + 999) / 1000);
    properties.setProperty("connectTimeout", String.valueOf(seconds));
    properties.setProperty("loginTimeout", String.valueOf(seconds));
    properties.setProperty("options", "-c statement_timeout=30s -c lock_timeout=10s");
    return DriverManager.getConnection(target.jdbcUrl(), properties);
  }

  @Override
  public void guard(String url, Settings settings) {
    Where target = target(url);
    Safety.ensureDisposable(
        TITLE, url, target.hosts(), settings.allowedHosts(), target.database());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    try (Connection conn = connect(target(url), timeout)) {
      var meta = conn.getMetaData();
      return TITLE + " " + meta.getDatabaseMajorVersion() + "." + meta.getDatabaseMinorVersion();
    } catch (SQLException error) {
      String message = String.valueOf(error.getMessage()).strip();
      if (error.getSQLState() != null && PERMANENT_STATES.contains(error.getSQLState())) {
        throw new Readiness.Misconfigured(message);
      }
      throw new Readiness.NotReady(message);
    }
  }

  /** The database of this worker: the URL's in a serial run, {@code <name>_w<N>} under N. */
  static Where workerTarget(Settings settings) {
    Where base = target(settings.url(URL_VAR));
    return Session.worker()
        .map(number -> base.withDatabase(base.database() + "_w" + number))
        .orElse(base);
  }

  private static boolean claim(Connection conn, String database) throws SQLException {
    try (var statement = conn.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
      statement.setString(1, "integration-harness:" + database);
      try (ResultSet row = statement.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    }
  }

  /**
   * Before the run: check the real database, claim it for this run (an advisory lock held by this
   * JVM until it ends), empty the tables a killed run left; a worker's own database is created
   * afresh instead, and dropped when the run ends.
   */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    Where base = target(url);
    Where mine = workerTarget(settings);
    Connection conn = connect(base, settings.serviceTimeout());
    session.closeAtEnd(conn);
    String database;
    try (Statement statement = conn.createStatement();
        ResultSet row = statement.executeQuery("SELECT current_database()")) {
      database = row.next() ? row.getString(1) : "";
    }
    Safety.ensureTestDatabase(TITLE, url, database);
    if (!database.equals(base.database())) {
      throw new Safety.UnsafeTarget(
          "Refusing to clean " + TITLE + " at " + Safety.redact(url) + ": the server says it is"
              + " database '" + database + "', not '" + base.database() + "' as the settings"
              + " read; name the database explicitly in " + URL_VAR + ".");
    }
    if (!claim(conn, mine.database())) {
      throw new Safety.UnsafeTarget(
          "Another test run is using " + TITLE + " database '" + mine.database() + "' at "
              + Safety.redact(url) + " right now. Wait for it to finish, or give this run a"
              + " database of its own in " + URL_VAR + " ('test' must be a whole word of its"
              + " name).");
    }
    if (mine.database().equals(database)) {
      truncateTablesWithRows(conn, Set.of());
      return;
    }
    String quoted = "\"" + mine.database().replace("\"", "\"\"") + "\"";
    try (Statement statement = conn.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
      statement.execute("CREATE DATABASE " + quoted);
    }
    session.closeAtEnd(
        () -> {
          try (Statement statement = conn.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
          }
        });
  }

  /** Empty every user table that has rows, except {@code keep}; the tables emptied. */
  public static List<String> truncateTablesWithRows(Connection conn, Set<String> keep)
      throws SQLException {
    List<String[]> tables = new ArrayList<>();
    try (Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery(TABLES)) {
      while (rows.next()) {
        String schema = rows.getString(1);
        String table = rows.getString(2);
        if (!KEPT_TABLES.contains(table)
            && !keep.contains(table)
            && !keep.contains(schema + "." + table)) {
          tables.add(new String[] {schema, table});
        }
      }
    }
    if (tables.isEmpty()) {
      return List.of();
    }
    List<String> parts = new ArrayList<>();
    for (int index = 0; index < tables.size(); index++) {
      parts.add("SELECT " + index + " WHERE EXISTS (SELECT FROM " + quote(tables.get(index)) + ")");
    }
    List<String[]> dirty = new ArrayList<>();
    try (Statement statement = conn.createStatement();
        ResultSet rows = statement.executeQuery(String.join(" UNION ALL ", parts))) {
      while (rows.next()) {
        dirty.add(tables.get(rows.getInt(1)));
      }
    }
    if (!dirty.isEmpty()) {
      try (Statement statement = conn.createStatement()) {
        statement.execute(
            "TRUNCATE "
                + String.join(", ", dirty.stream().map(Postgres::quote).toList())
                + " RESTART IDENTITY CASCADE");
      }
    }
    return dirty.stream().map(name -> name[0] + "." + name[1]).toList();
  }

  private static String quote(String[] name) {
    return "\"" + name[0].replace("\"", "\"\"") + "\".\"" + name[1].replace("\"", "\"\"") + "\"";
  }

  /** The schema folder: {@code schema/} beside pom.xml. */
  static Path schemaDir() {
    return Settings.integrationDir().resolve("schema");
  }

  /**
   * Build the schema from every {@code *.sql} file in {@code folder}, in name order, when the
   * files changed since the database was built (their digest is kept in {@code
   * integration_harness_schema}): every other table is dropped first. The names run.
   */
  public static List<String> applySchemaFiles(Connection conn, Path folder) throws Exception {
    List<Path> files;
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> listed = Files.list(folder)) {
      files =
          listed.filter(file -> file.getFileName().toString().endsWith(".sql")).sorted().toList();
    }
    if (files.isEmpty()) {
      return List.of();
    }
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (Path file : files) {
      digest.update((file.getFileName() + "\0").getBytes(StandardCharsets.UTF_8));
      digest.update(Files.readAllBytes(file));
      digest.update(new byte[] {0});
    }
    String hex = HexFormat.of().formatHex(digest.digest());
    try (Statement statement = conn.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS " + SCHEMA_TABLE + " (digest text)");
      try (ResultSet row = statement.executeQuery("SELECT digest FROM " + SCHEMA_TABLE)) {
        if (row.next() && hex.equals(row.getString(1))) {
          return List.of();
        }
      }
      List<String[]> stale = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(TABLES)) {
        while (rows.next()) {
          if (!rows.getString(2).equals(SCHEMA_TABLE)) {
            stale.add(new String[] {rows.getString(1), rows.getString(2)});
          }
        }
      }
      if (!stale.isEmpty()) {
        statement.execute(
            "DROP TABLE IF EXISTS "
                + String.join(", ", stale.stream().map(Postgres::quote).toList())
                + " CASCADE");
      }
      for (Path file : files) {
        statement.execute(Files.readString(file));
      }
      statement.execute("DELETE FROM " + SCHEMA_TABLE);
      try (var insert = conn.prepareStatement("INSERT INTO " + SCHEMA_TABLE + " VALUES (?)")) {
        insert.setString(1, hex);
        insert.executeUpdate();
      }
    }
    return files.stream().map(file -> file.getFileName().toString()).toList();
  }

  /** A small pool on {@code where} with the session bounds, for tools that take a DataSource. */
  static HikariDataSource pool(Where where, Duration timeout, String purpose) {
    Properties properties = new Properties();
    properties.putAll(where.credentials());
    properties.setProperty("options", "-c statement_timeout=30s -c lock_timeout=10s");
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(where.jdbcUrl());
    config.setDataSourceProperties(properties);
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(Math.max(250, timeout.toMillis()));
    config.setPoolName("integration-harness-postgres-" + purpose);
    return new HikariDataSource(config);
  }

  /**
   * Build this JVM's database once: the migrations (migrations=flyway), else {@code schema/*.sql}.
   * A failure is kept: every test that needs the database gets the same message.
   */
  private static void buildSchema(Session session, Shared shared) {
    String problem =
        session.shared(
            "postgres.schema",
            String.class,
            () -> {
              Where mine = workerTarget(session.settings());
              Duration timeout = session.settings().serviceTimeout();
              try {
                if (Services.MIGRATE != null) {
                  try (HikariDataSource pool = pool(mine, timeout, "migrations")) {
                    Services.MIGRATE.migrate(pool, timeout);
                  }
                } else {
                  applySchemaFiles(shared.get(true), schemaDir());
                }
                return "";
              } catch (Exception error) {
                return Services.MIGRATE != null
                    ? TITLE + ": " + error.getMessage()
                    : "cannot build the schema from " + schemaDir() + ": " + error.getMessage();
              }
            });
    if (!problem.isEmpty()) {
      throw new IllegalStateException(Safety.redact(problem));
    }
  }

  /** A scratch database and its pool ({@code @Scratch}). */
  private record ScratchDb(HikariDataSource pool, Where owner, String name, Duration timeout) {
    void drop() throws SQLException {
      pool.close();
      try (Connection conn = connect(owner, timeout);
          Statement statement = conn.createStatement()) {
        statement.execute("DROP DATABASE IF EXISTS " + quoteName(name) + " WITH (FORCE)");
      }
    }
  }

  private static String quoteName(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static ScratchDb scratch(Session session) throws SQLException {
    Settings settings = session.settings();
    Where mine = workerTarget(settings);
    String name =
        mine.database() + "_mig_" + HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4)
            .putInt(new java.security.SecureRandom().nextInt()).array());
    Where target = mine.withDatabase(name);
    Safety.ensureDisposable(
        TITLE, target.jdbcUrl(), target.hosts(), settings.allowedHosts(), target.database());
    Duration timeout = settings.serviceTimeout();
    try (Connection conn = connect(mine, timeout);
        Statement statement = conn.createStatement()) {
      statement.execute("CREATE DATABASE " + quoteName(name));
    }
    return new ScratchDb(pool(target, timeout, "scratch"), mine, name, timeout);
  }

  /** This JVM's connection to its database with the schema built, shared by the tests. */
  private static final class Shared implements AutoCloseable {
    private final Where target;
    private final Duration timeout;
    private Connection conn;

    Shared(Where target, Duration timeout) {
      this.target = target;
      this.timeout = timeout;
    }

    synchronized Connection get(boolean autoCommit) throws SQLException {
      if (conn == null || conn.isClosed() || !conn.isValid(2)) {
        if (conn != null) {
          try {
            conn.close();
          } catch (SQLException ignored) {
            // broken: replaced below
          }
        }
        conn = connect(target, timeout);
      }
      if (!conn.getAutoCommit()) {
        conn.rollback();
      }
      conn.setAutoCommit(autoCommit);
      return conn;
    }

    @Override
    public synchronized void close() throws SQLException {
      if (conn != null) {
        conn.close();
      }
    }
  }

  /** The session connection of {@code @Db} ({@code "db"}) or {@code @CleanDb} ({@code "clean"}). */
  private static Shared shared(Session session, String use) {
    return session.shared(
        "postgres.connection." + use,
        Shared.class,
        () -> {
          Where mine = workerTarget(session.settings());
          Shared shared = new Shared(mine, session.settings().serviceTimeout());
          buildSchema(session, shared);
          return shared;
        });
  }

  private static DataSource dataSource(Session session) {
    shared(session, "db");
    return session.shared(
        "postgres.pool",
        HikariDataSource.class,
        () -> {
          Where mine = workerTarget(session.settings());
          HikariConfig config = new HikariConfig();
          config.setJdbcUrl(mine.jdbcUrl());
          config.setDataSourceProperties(mine.credentials());
          config.setMaximumPoolSize(4);
          config.setConnectionTimeout(session.settings().serviceTimeout().toMillis());
          config.setPoolName("integration-harness-postgres");
          return new HikariDataSource(config);
        });
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return (type == Connection.class
            && (parameter.isAnnotated(Db.class) || parameter.isAnnotated(CleanDb.class)))
        || (type == String.class && parameter.isAnnotated(Url.class))
        || type == DataSource.class;
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session)
      throws Exception {
    Class<?> type = parameter.getParameter().getType();
    if (type == String.class) {
      return workerTarget(session.settings()).urlWithCredentials();
    }
    if (type == DataSource.class && parameter.isAnnotated(Scratch.class)) {
      return Session.perTest(context, "postgres.scratch", () -> scratch(session), ScratchDb::drop)
          .pool();
    }
    if (type == DataSource.class) {
      return dataSource(session);
    }
    if (parameter.isAnnotated(CleanDb.class)) {
      Shared shared = shared(session, "clean");
      return Session.perTest(
          context,
          "postgres.cleanDb",
          () -> {
            guard(session.settings().url(URL_VAR), session.settings());
            Connection conn = shared.get(true);
            truncateTablesWithRows(conn, Set.of());
            return conn;
          },
          conn -> truncateTablesWithRows(shared.get(true), Set.of()));
    }
    Shared shared = shared(session, "db");
    return Session.perTest(
        context,
        "postgres.db",
        () -> RolledBack.wrap(shared.get(false)),
        conn -> shared.get(false)); // rolls the test's transaction back
  }
}
