// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoConfigurationException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Projections;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * MongoDB for the tests (the MongoDB Java driver, sync): parameters {@code MongoDatabase}, {@code
 * MongoClient} and {@code @MongoDb.Url String}.
 *
 * <p>Isolation: a serial run uses the database the URL names; under {@code PARALLEL=N} each worker
 * JVM has a database of its own ({@code <database>_w<N>}), dropped (so empty) before its first
 * test and dropped when the run ends. After every test each collection holding documents is
 * emptied ({@code deleteMany}): the collections and their indexes are kept (the unique indexes
 * your code creates once stay in force, and emptying is cheaper than dropping and recreating), so
 * nothing a test wrote reaches the next one. Before the first test the run also empties what a
 * killed run of it left: the test database's collections and the worker databases beside it that
 * this run does not use. MongoDB has no advisory lock to claim the database with, so two runs at
 * once on one database are not detected: give each (e.g. each CI job) a database of its own.
 *
 * <p>The guard is the SQL databases' rule, on the hosts and database the driver itself parses from
 * the URL: every host must be loopback, a compose service of this project or listed in {@code
 * TEST_ALLOWED_HOSTS}, and "test" must be a whole word of the database name. {@code
 * mongodb+srv://} URLs are refused: their hosts are only known from DNS.
 */
public final class MongoDb implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("mongodb");
  static final String URL_VAR = Services.Catalogue.urlVar("mongodb");
  /** Server error codes that retrying will not fix (unauthorized, authentication failed). */
  private static final Set<Integer> PERMANENT_CODES = Set.of(13, 18);
  /** The innermost error in a server-selection timeout's cluster description. */
  private static final Pattern SELECTION_CAUSE =
      Pattern.compile("(?:caused by|exception=)\\s*\\{([^{}]*)\\}");
  /** {@code mongodb://[user@]hosts[/database][?options]}: the parts the worker URL replaces. */
  private static final Pattern URL =
      Pattern.compile("^(mongodb://(?:[^@/?#]*@)?[^/?#]*)(?:/([^?#]*))?(\\?[^#]*)?$");

  /** The URL of this worker's own database, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  /** Where the driver will connect for a URL: its hosts and the database it names ("" if none). */
  record Where(ConnectionString connection, List<String> hosts, String database) {}

  /** The target of {@code url} as the driver reads it, or an error naming the setting. */
  static Where target(String url) {
    if (!url.startsWith("mongodb://")) {
      throw new IllegalArgumentException(
          URL_VAR + " must start with mongodb:// (a mongodb+srv:// URL's hosts are only known"
              + " from DNS; name them), not " + Safety.redact(url));
    }
    ConnectionString connection;
    try {
      connection = new ConnectionString(url);
    } catch (IllegalArgumentException | MongoConfigurationException error) {
      throw new IllegalArgumentException(
          URL_VAR + " is not a MongoDB URL the driver can read: "
              + Safety.redact(String.valueOf(error.getMessage())));
    }
    List<String> hosts = new ArrayList<>();
    for (String host : connection.getHosts()) {
      hosts.add(new ServerAddress(host).getHost());
    }
    String database = connection.getDatabase() == null ? "" : connection.getDatabase();
    return new Where(connection, hosts, database);
  }

  /** {@code url} naming database {@code name} instead, its hosts and options unchanged. */
  static String withDatabase(String url, String name) {
    Matcher parts = URL.matcher(url);
    if (!parts.matches()) {
      throw new IllegalArgumentException(URL_VAR + ": cannot read " + Safety.redact(url));
    }
    String query = parts.group(3) == null ? "" : parts.group(3);
    return parts.group(1)
        + "/"
        + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20")
        + query;
  }

  /** A client that gives up on a server, a connection or a reply after {@code timeout}. */
  static MongoClient connect(String url, Duration timeout) {
    int millis = (int) Math.min(Math.max(1000, timeout.toMillis()), Integer.MAX_VALUE);
    int reply = Math.max(30_000, millis);
    return MongoClients.create(
        MongoClientSettings.builder()
            .applyConnectionString(target(url).connection())
            .applyToClusterSettings(
                cluster -> cluster.serverSelectionTimeout(millis, TimeUnit.MILLISECONDS))
            .applyToSocketSettings(
                socket ->
                    socket
                        .connectTimeout(millis, TimeUnit.MILLISECONDS)
                        .readTimeout(reply, TimeUnit.MILLISECONDS))
            .build());
  }

  @Override
  public void guard(String url, Settings settings) {
    Where target = target(url);
    Safety.ensureDisposable(
        TITLE, url, target.hosts(), settings.allowedHosts(), target.database());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    MongoClient client;
    try {
      client = connect(url, timeout);
    } catch (IllegalArgumentException | MongoConfigurationException error) {
      throw new Readiness.Misconfigured(String.valueOf(error.getMessage()));
    }
    try (client) {
      Document info = client.getDatabase("admin").runCommand(new Document("buildInfo", 1));
      String product = info.containsKey("ferretdbVersion") ? " (FerretDB)" : "";
      return TITLE + " " + info.get("version", "?") + product;
    } catch (MongoTimeoutException error) {
      Matcher cause = SELECTION_CAUSE.matcher(String.valueOf(error.getMessage()));
      String last = null;
      while (cause.find()) {
        last = cause.group(1);
      }
      throw new Readiness.NotReady(
          "no server answered" + (last == null ? "" : " (" + last.strip() + ")"));
    } catch (MongoSecurityException error) {
      throw new Readiness.Misconfigured(String.valueOf(error.getMessage()));
    } catch (MongoCommandException error) {
      if (PERMANENT_CODES.contains(error.getErrorCode())) {
        throw new Readiness.Misconfigured(error.getErrorMessage());
      }
      throw new Readiness.NotReady(error.getErrorMessage());
    }
  }

  /** This worker's URL: the setting's in a serial run, its database {@code <name>_w<N>} under N. */
  static String workerUrl(Settings settings) {
    String url = settings.url(URL_VAR);
    String database = target(url).database();
    return Session.worker()
        .map(number -> withDatabase(url, database + "_w" + number))
        .orElse(url);
  }

  /**
   * The worker databases beside {@code database} ({@code <database>_w<N>}) that a run of {@code
   * workers} JVMs does not use: a killed run's.
   */
  static List<String> strayWorkerDatabases(MongoClient client, String database, int workers) {
    Pattern worker = Pattern.compile(Pattern.quote(database) + "_w(\\d{1,6})");
    List<String> stray = new ArrayList<>();
    for (String name : client.listDatabaseNames()) {
      Matcher match = worker.matcher(name);
      if (match.matches() && (workers <= 1 || Integer.parseInt(match.group(1)) > workers)) {
        stray.add(name);
      }
    }
    return stray;
  }

  /** Empty every collection of {@code database} holding documents (indexes kept); their names. */
  public static List<String> emptyCollections(MongoDatabase database) {
    List<String> emptied = new ArrayList<>();
    for (String name : database.listCollectionNames()) {
      if (name.startsWith("system.")) {
        continue;
      }
      MongoCollection<Document> collection = database.getCollection(name);
      if (collection.find().projection(Projections.include("_id")).first() != null) {
        collection.deleteMany(new Document());
        emptied.add(name);
      }
    }
    return emptied;
  }

  /**
   * Before the run: a worker drops its own database (a killed run's, so it starts empty); a serial
   * run, or the first worker, empties the test database and drops the worker databases this run
   * does not use. A worker's database is dropped again when the run ends.
   */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    String mine = workerUrl(settings);
    guard(mine, settings);
    String database = target(url).database();
    String own = target(mine).database();
    MongoClient client = connect(url, settings.serviceTimeout());
    session.closeAtEnd(client);
    int workers = Integer.parseInt(System.getProperty("integration.workers", "1").strip());
    if (Session.worker().orElse(1) == 1) {
      for (String name : strayWorkerDatabases(client, database, workers)) {
        guard(withDatabase(url, name), settings);
        client.getDatabase(name).drop();
      }
      emptyCollections(client.getDatabase(database));
    }
    if (!own.equals(database)) {
      client.getDatabase(own).drop();
      session.closeAtEnd(
          () -> {
            guard(mine, settings);
            client.getDatabase(own).drop();
          });
    }
  }

  /** This JVM's client on its own database, shared by the tests. */
  private static MongoClient client(Session session) {
    return session.shared(
        "mongodb.client",
        MongoClient.class,
        () -> connect(workerUrl(session.settings()), session.settings().serviceTimeout()));
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == MongoDatabase.class
        || type == MongoClient.class
        || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    if (type == String.class) {
      return workerUrl(session.settings());
    }
    if (type == MongoClient.class) {
      return client(session);
    }
    return Session.perTest(
        context,
        "mongodb",
        () -> client(session).getDatabase(target(workerUrl(session.settings())).database()),
        database -> {
          guard(workerUrl(session.settings()), session.settings());
          emptyCollections(database);
        });
  }
}
