// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
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
 * MySQL and MariaDB for the tests: parameters {@code @MySql.Db Connection}, {@code @MySql.CleanDb
 * Connection}, {@code DataSource} and {@code @MySql.Url String}; the JDBC driver is MySQL
 * Connector/J or MariaDB Connector/J, whichever pom.xml has.
 *
 * <p>Isolation: {@code @Db} wraps each test in a transaction rolled back after it ({@code
 * commit()} throws); {@code @CleanDb} is for code under test that commits on its own connections
 * and empties every table with rows before and after the test. Under {@code PARALLEL=N} each
 * worker JVM has a database of its own ({@code <database>_w<N>}), created empty and dropped at
 * the end. Before the run the harness checks {@code DATABASE()}, claims the database with a
 * named lock ({@code GET_LOCK}, the same as the Python and TypeScript harnesses) held until the
 * JVM ends, and empties the tables a killed run left. Statements give up after 30 s, lock waits
 * after 10 s. The schema is every {@code schema/*.sql} file; with migrations=flyway it is the
 * project's Flyway migrations instead (see {@code Migrations}), run once per test JVM, and {@code
 * flyway_schema_history} is never emptied.
 */
public final class MySql implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("mysql", "mariadb");
  static final String URL_VAR = Services.Catalogue.urlVar("mysql", "mariadb");
  static final String SCHEMA_TABLE = "integration_harness_schema";
  /** Flyway's version table (migrations=flyway): the cleaning never empties it. */
  static final String VERSION_TABLE = "flyway_schema_history";
  /** Never emptied: every migration tool's version table (another project may use another). */
  static final Set<String> VERSION_TABLES =
      Set.of(
          "alembic_version",
          "goose_db_version",
          VERSION_TABLE,
          "knex_migrations",
          "knex_migrations_lock");
  // Access denied, unknown database, host not allowed, wrong authentication plugin.
  private static final Set<Integer> PERMANENT_ERRORS = Set.of(1045, 1049, 1130, 1251, 1698);
  private static final List<String> BOUNDS =
      List.of(
          "SET SESSION innodb_lock_wait_timeout = 10",
          "SET SESSION lock_wait_timeout = 10",
          "SET SESSION max_statement_time = 30",
          "SET SESSION max_execution_time = 30000");

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

  /** Where the driver will connect: host, port, credentials and database. */
  record Where(String host, int port, String user, String password, String database) {
    Where withDatabase(String name) {
      return new Where(host, port, user, password, name);
    }

    String jdbcUrl() {
      return scheme() + "//" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/"
          + database;
    }

    String urlWithCredentials() {
      return jdbcUrl()
          + "?user=" + java.net.URLEncoder.encode(user, StandardCharsets.UTF_8)
          + "&password=" + java.net.URLEncoder.encode(password, StandardCharsets.UTF_8);
    }
  }

  /** {@code jdbc:mysql:} with MySQL Connector/J, else {@code jdbc:mariadb:}. */
  static String scheme() {
    try {
      Class.forName("com.mysql.cj.jdbc.Driver");
      return "jdbc:mysql:";
    } catch (ClassNotFoundException missing) {
      return "jdbc:mariadb:";
    }
  }

  /** The target of a {@code mysql://user:password@host:port/database} URL. */
  static Where target(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException error) {
      throw new IllegalArgumentException(URL_VAR + " is not a URL: " + Safety.redact(url));
    }
    if (!"mysql".equals(uri.getScheme()) && !"mariadb".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          URL_VAR + " must start with mysql:// (got " + uri.getScheme() + " scheme)");
    }
    if (uri.getRawAuthority() != null && uri.getRawAuthority().contains(",")) {
      throw new IllegalArgumentException(URL_VAR + " must name exactly one host");
    }
    String userInfo = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo();
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
    String password = colon < 0 ? "" : userInfo.substring(colon + 1);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceFirst("^/", "");
    return new Where(
        uri.getHost() == null ? "" : uri.getHost().replaceAll("^\\[|\\]$", ""),
        uri.getPort() < 0 ? 3306 : uri.getPort(),
        URLDecoder.decode(user, StandardCharsets.UTF_8),
        URLDecoder.decode(password, StandardCharsets.UTF_8),
        URLDecoder.decode(path, StandardCharsets.UTF_8));
  }

  static Connection connect(Where where, Duration timeout) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", where.user());
    properties.setProperty("password", where.password());
    long millis = Math.max(1000, timeout.toMillis());
    properties.setProperty("connectTimeout", String.valueOf(millis));
    properties.setProperty("socketTimeout", String.valueOf(millis + 30_000));
    // MySQL 8.4 authenticates with caching_sha2_password: over plain TCP the driver needs
    // the server's RSA key once (test servers only: the guard checked the host).
    properties.setProperty("allowPublicKeyRetrieval", "true");
    properties.setProperty("sslMode", "DISABLED");
    Connection conn = DriverManager.getConnection(where.jdbcUrl(), properties);
    try (Statement statement = conn.createStatement()) {
      for (String bound : BOUNDS) {
        try {
          statement.execute(bound);
        } catch (SQLException otherServer) {
          // the other server's variable
        }
      }
    }
    return conn;
  }

  @Override
  public void guard(String url, Settings settings) {
    Where where = target(url);
    Safety.ensureDisposable(
        TITLE, url, List.of(where.host()), settings.allowedHosts(), where.database());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    try (Connection conn = connect(target(url), timeout)) {
      String version = conn.getMetaData().getDatabaseProductVersion();
      String name = version.toLowerCase(java.util.Locale.ROOT).contains("mariadb") ? "MariaDB" : "MySQL";
      return name + " " + version.replaceFirst("^5\\.5\\.5-", "").split("-", 2)[0];
    } catch (SQLException error) {
      String message = "(" + error.getErrorCode() + ") " + String.valueOf(error.getMessage()).strip();
      if (PERMANENT_ERRORS.contains(error.getErrorCode())) {
        throw new Readiness.Misconfigured(message);
      }
      throw new Readiness.NotReady(message);
    }
  }

  static Where workerTarget(Settings settings) {
    Where base = target(settings.url(URL_VAR));
    return Session.worker()
        .map(number -> base.withDatabase(base.database() + "_w" + number))
        .orElse(base);
  }

  static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }

  /** Before the run: check the real database, claim it (GET_LOCK), empty what a killed run left. */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    Where base = target(url);
    Where mine = workerTarget(settings);
    Connection conn = connect(base, settings.serviceTimeout());
    session.closeAtEnd(conn);
    String database;
    try (Statement statement = conn.createStatement();
        ResultSet row = statement.executeQuery("SELECT DATABASE()")) {
      database = row.next() && row.getString(1) != null ? row.getString(1) : "";
    }
    Safety.ensureTestDatabase(TITLE, url, database);
    try (PreparedStatement lock = conn.prepareStatement("SELECT GET_LOCK(?, 0)")) {
      lock.setString(1, "integration-harness:" + mine.database());
      try (ResultSet row = lock.executeQuery()) {
        if (!(row.next() && row.getInt(1) == 1)) {
          throw new Safety.UnsafeTarget(
              "Another test run is using " + TITLE + " database '" + mine.database() + "' at "
                  + Safety.redact(url) + " right now. Wait for it to finish, or give this run a"
                  + " database of its own in " + URL_VAR + " ('test' must be a whole word of its"
                  + " name).");
        }
      }
    }
    if (mine.database().equals(database)) {
      truncateTablesWithRows(conn, Set.of());
      return;
    }
    try (Statement statement = conn.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + quote(mine.database()));
      statement.execute("CREATE DATABASE " + quote(mine.database()));
    }
    session.closeAtEnd(
        () -> {
          try (Statement statement = conn.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + quote(mine.database()));
          }
        });
  }

  private static List<String> tables(Connection conn) throws SQLException {
    List<String> found = new ArrayList<>();
    try (Statement statement = conn.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT table_name FROM information_schema.tables WHERE table_schema ="
                    + " DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name")) {
      while (rows.next()) {
        if (!rows.getString(1).equals(SCHEMA_TABLE)) {
          found.add(rows.getString(1));
        }
      }
    }
    return found;
  }

  /** Empty every table of the connection's database that has rows, except {@code keep}. */
  public static List<String> truncateTablesWithRows(Connection conn, Set<String> keep)
      throws SQLException {
    List<String> tables =
        tables(conn).stream()
            .filter(name -> !keep.contains(name) && !VERSION_TABLES.contains(name))
            .toList();
    if (tables.isEmpty()) {
      return List.of();
    }
    List<String> parts = new ArrayList<>();
    for (int index = 0; index < tables.size(); index++) {
      parts.add(
          "SELECT " + index + " FROM DUAL WHERE EXISTS (SELECT 1 FROM "
              + quote(tables.get(index)) + ")");
    }
    List<String> dirty = new ArrayList<>();
    try (Statement statement = conn.createStatement()) {
      try (ResultSet rows = statement.executeQuery(String.join(" UNION ALL ", parts))) {
        while (rows.next()) {
          dirty.add(tables.get(rows.getInt(1)));
        }
      }
      if (!dirty.isEmpty()) {
        // TRUNCATE refuses tables that foreign keys point at, even empty ones.
        statement.execute("SET SESSION foreign_key_checks = 0");
        try {
          for (String name : dirty) {
            statement.execute("TRUNCATE TABLE " + quote(name));
          }
        } finally {
          statement.execute("SET SESSION foreign_key_checks = 1");
        }
      }
    }
    return dirty;
  }

  /** The statements of a plain SQL script ({@code ;} at line ends; {@code --} comments dropped). */
  static List<String> splitStatements(String script) {
    StringBuilder kept = new StringBuilder();
    for (String line : script.lines().toList()) {
      if (!line.isBlank() && !line.strip().startsWith("--")) {
        kept.append(line).append('\n');
      }
    }
    List<String> statements = new ArrayList<>();
    for (String statement : kept.toString().split(";\n")) {
      String trimmed = statement.strip().replaceAll(";$", "");
      if (!trimmed.isEmpty()) {
        statements.add(trimmed);
      }
    }
    return statements;
  }

  /** Build the schema from {@code schema/*.sql} when the files changed; the names run. */
  public static List<String> applySchemaFiles(Connection conn, Path folder) throws Exception {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> listed = Files.list(folder)) {
      files = listed.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList();
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
      statement.execute(
          "CREATE TABLE IF NOT EXISTS " + quote(SCHEMA_TABLE) + " (digest varchar(64))");
      try (ResultSet row = statement.executeQuery("SELECT digest FROM " + quote(SCHEMA_TABLE))) {
        if (row.next() && hex.equals(row.getString(1))) {
          return List.of();
        }
      }
      List<String> stale = tables(conn);
      if (!stale.isEmpty()) {
        statement.execute("SET SESSION foreign_key_checks = 0");
        try {
          statement.execute(
              "DROP TABLE IF EXISTS "
                  + String.join(", ", stale.stream().map(MySql::quote).toList()));
        } finally {
          statement.execute("SET SESSION foreign_key_checks = 1");
        }
      }
      for (Path file : files) {
        for (String sql : splitStatements(Files.readString(file))) {
          statement.execute(sql);
        }
      }
      statement.execute("DELETE FROM " + quote(SCHEMA_TABLE));
      try (PreparedStatement insert =
          conn.prepareStatement("INSERT INTO " + quote(SCHEMA_TABLE) + " VALUES (?)")) {
        insert.setString(1, hex);
        insert.executeUpdate();
      }
    }
    return files.stream().map(file -> file.getFileName().toString()).toList();
  }

  /** A small pool on {@code where} with the session bounds, for tools that take a DataSource. */
  static HikariDataSource pool(Where where, Duration timeout, String purpose) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(where.jdbcUrl());
    config.setUsername(where.user());
    config.setPassword(where.password());
    config.addDataSourceProperty("allowPublicKeyRetrieval", "true");
    config.addDataSourceProperty("sslMode", "DISABLED");
    config.addDataSourceProperty("socketTimeout", String.valueOf(timeout.toMillis() + 30_000));
    // The lock waits of BOUNDS (both servers know these two).
    config.setConnectionInitSql(
        "SET SESSION innodb_lock_wait_timeout = 10, SESSION lock_wait_timeout = 10");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(Math.max(250, timeout.toMillis()));
    config.setPoolName("integration-harness-mysql-" + purpose);
    return new HikariDataSource(config);
  }

  /**
   * Build this JVM's database once: the migrations (migrations=flyway), else {@code schema/*.sql}.
   * A failure is kept: every test that needs the database gets the same message.
   */
  private static void buildSchema(Session session, Shared shared) {
    Path schema = Settings.integrationDir().resolve("schema");
    String problem =
        session.shared(
            "mysql.schema",
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
                  applySchemaFiles(shared.get(true), schema);
                }
                return "";
              } catch (Exception error) {
                return Services.MIGRATE != null
                    ? TITLE + ": " + error.getMessage()
                    : "cannot build the schema from " + schema + ": " + error.getMessage();
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
        statement.execute("DROP DATABASE IF EXISTS " + quote(name));
      }
    }
  }

  private static ScratchDb scratch(Session session) throws SQLException {
    Settings settings = session.settings();
    Where mine = workerTarget(settings);
    String name =
        mine.database() + "_mig_" + HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4)
            .putInt(new java.security.SecureRandom().nextInt()).array());
    Where target = mine.withDatabase(name);
    Safety.ensureDisposable(
        TITLE, target.jdbcUrl(), List.of(target.host()), settings.allowedHosts(), name);
    Duration timeout = settings.serviceTimeout();
    try (Connection conn = connect(mine, timeout);
        Statement statement = conn.createStatement()) {
      statement.execute("CREATE DATABASE " + quote(name));
    }
    return new ScratchDb(pool(target, timeout, "scratch"), mine, name, timeout);
  }

  /** This JVM's connection to its database with the schema built, shared by the tests. */
  private static final class Shared implements AutoCloseable {
    private final Where where;
    private final Duration timeout;
    private Connection conn;

    Shared(Where where, Duration timeout) {
      this.where = where;
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
        conn = connect(where, timeout);
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
        "mysql.connection." + use,
        Shared.class,
        () -> {
          Shared shared =
              new Shared(workerTarget(session.settings()), session.settings().serviceTimeout());
          buildSchema(session, shared);
          return shared;
        });
  }

  private static DataSource dataSource(Session session) {
    shared(session, "db");
    return session.shared(
        "mysql.pool",
        HikariDataSource.class,
        () -> {
          Where mine = workerTarget(session.settings());
          HikariConfig config = new HikariConfig();
          config.setJdbcUrl(mine.jdbcUrl());
          config.setUsername(mine.user());
          config.setPassword(mine.password());
          config.addDataSourceProperty("allowPublicKeyRetrieval", "true");
          config.addDataSourceProperty("sslMode", "DISABLED");
          config.setMaximumPoolSize(4);
          config.setConnectionTimeout(session.settings().serviceTimeout().toMillis());
          config.setPoolName("integration-harness-mysql");
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
      return Session.perTest(context, "mysql.scratch", () -> scratch(session), ScratchDb::drop)
          .pool();
    }
    if (type == DataSource.class) {
      return dataSource(session);
    }
    if (parameter.isAnnotated(CleanDb.class)) {
      Shared shared = shared(session, "clean");
      return Session.perTest(
          context,
          "mysql.cleanDb",
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
        "mysql.db",
        () -> RolledBack.wrap(shared.get(false)),
        conn -> shared.get(false)); // rolls the test's transaction back
  }
}
