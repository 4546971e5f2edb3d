// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * Redis for the tests (Lettuce): parameters {@code RedisCommands<String, String>}, {@code
 * Redis.Streams} and {@code @Redis.Url String}.
 *
 * <p>Isolation: each test JVM uses a logical database of its own (the URL's index, plus the worker
 * number minus one under {@code PARALLEL=N}), emptied with FLUSHDB after every test. Before the
 * run the database is claimed with a connection named {@code integration-harness-claim-db<index>}
 * (Redis drops it when the JVM ends, however it ends; a second run on the same index stops with
 * one line) and checked: one that holds keys is refused rather than flushed, unless this
 * checkout's own run was killed while using it (a note in {@code .harness-runs/}, removed when a
 * run ends, says so).
 */
public final class Redis implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("redis");
  static final String URL_VAR = Services.Catalogue.urlVar("redis");
  static final int DEFAULT_DATABASES = 16;
  static final String CLAIM_CONNECTION = "integration-harness-claim-db%d";

  /** The URL (on this worker's own database index), for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  /** Unique stream names: {@code make("orders")} is {@code test:<worker>:orders:<random>}. */
  public static final class Streams {
    Streams() {}

    /** A stream key no other test or worker uses; it goes with the flush after the test. */
    public String make(String purpose) {
      return Session.uniqueTestName("Redis.Streams.make", purpose, ":");
    }
  }

  static RedisURI uri(String url, Duration timeout) {
    RedisURI uri = RedisURI.create(url);
    uri.setTimeout(timeout);
    return uri;
  }

  static RedisClient client(RedisURI uri, Duration timeout) {
    RedisClient client = RedisClient.create(uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(false)
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .build());
    return client;
  }

  /** The URL pointing at database {@code index}. */
  static String urlWithIndex(String url, int index) {
    RedisURI uri = RedisURI.create(url);
    uri.setDatabase(index);
    return uri.toURI().toString();
  }

  @Override
  public void guard(String url, Settings settings) {
    RedisURI uri = RedisURI.create(url);
    String host = uri.getSocket() != null ? "localhost" : String.valueOf(uri.getHost());
    Safety.ensureDisposable(TITLE, url, List.of(host), settings.allowedHosts());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    RedisClient client = client(uri(url, timeout), timeout);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      for (String line : connection.sync().info("server").split("\r?\n")) {
        if (line.startsWith("redis_version:")) {
          return TITLE + " " + line.substring("redis_version:".length()).strip();
        }
      }
      return TITLE;
    } catch (RedisConnectionException error) {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      String message = String.valueOf(cause.getMessage());
      if (message.contains("NOAUTH") || message.contains("WRONGPASS")) {
        throw new Readiness.Misconfigured(message);
      }
      throw new Readiness.NotReady(message);
    } catch (RedisCommandExecutionException error) {
      throw new Readiness.Misconfigured(String.valueOf(error.getMessage()));
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** This JVM's URL: the setting's index, plus the worker number minus one. */
  static String workerUrl(Settings settings) {
    String url = settings.url(URL_VAR);
    int index = RedisURI.create(url).getDatabase() + Session.worker().map(n -> n - 1).orElse(0);
    return urlWithIndex(url, index);
  }

  /** The note saying this checkout's run uses the database of {@code url}. */
  static Path runNote(String url) throws Exception {
    RedisURI uri = RedisURI.create(url);
    String server =
        (uri.getSocket() != null ? uri.getSocket() : uri.getHost()) + ":" + uri.getPort();
    String digest =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(server.getBytes(StandardCharsets.UTF_8)))
            .substring(0, 16);
    return Settings.integrationDir()
        .resolve(".harness-runs")
        .resolve("redis-" + digest + "-db" + uri.getDatabase());
  }

  private static int databaseCount(RedisCommands<String, String> commands) {
    try {
      Map<String, String> config = commands.configGet("databases");
      return Integer.parseInt(config.getOrDefault("databases", "" + DEFAULT_DATABASES));
    } catch (RedisCommandExecutionException error) {
      return DEFAULT_DATABASES; // CONFIG may be disabled
    }
  }

  /** Throws {@link Safety.UnsafeTarget} if the database holds keys: they may not be ours. */
  static void refuseForeignKeys(RedisCommands<String, String> commands, String url) {
    long existing = commands.dbsize();
    if (existing > 0) {
      throw new Safety.UnsafeTarget(
          "Refusing to flush " + TITLE + " at " + Safety.redact(url) + ": the database already"
              + " holds " + existing + " keys the harness did not create. Point " + URL_VAR
              + " at an empty database index, or if they are yours to lose, empty it: redis-cli"
              + " -u " + Safety.redact(url) + " flushdb");
    }
  }

  /** Before the run: claim this JVM's index, which must hold no keys but a killed run's. */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    String mine = workerUrl(settings);
    guard(mine, settings);
    Duration timeout = settings.serviceTimeout();
    int index = RedisURI.create(mine).getDatabase();
    RedisClient client = client(uri(mine, timeout), timeout);
    session.closeAtEnd(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    StatefulRedisConnection<String, String> claim = client.connect();
    RedisCommands<String, String> commands = claim.sync();
    int available = databaseCount(commands);
    if (index >= available) {
      throw new Safety.UnsafeTarget(
          URL_VAR + ": this run needs Redis database index " + index + " but the server has "
              + available + " (indexes 0-" + (available - 1) + "); use fewer workers"
              + " (PARALLEL) or a lower index.");
    }
    String name = String.format(CLAIM_CONNECTION, index);
    commands.clientSetname(name);
    long id = commands.clientId();
    List<Long> holders = new ArrayList<>();
    for (String line : commands.clientList().split("\n")) {
      if (line.contains(" name=" + name + " ")) {
        for (String field : line.split(" ")) {
          if (field.startsWith("id=")) {
            holders.add(Long.parseLong(field.substring(3)));
          }
        }
      }
    }
    if (holders.stream().anyMatch(holder -> holder < id)) {
      claim.close();
      throw new Safety.UnsafeTarget(
          "Another test run is using " + TITLE + " database " + index + " at "
              + Safety.redact(mine) + "; wait for it to finish (a killed run's claim ends with"
              + " its process).");
    }
    Path note = runNote(mine);
    if (Files.exists(note) && commands.dbsize() > 0) {
      commands.flushdb();
    }
    refuseForeignKeys(commands, mine);
    Files.createDirectories(note.getParent());
    Files.writeString(note, Safety.redact(mine) + "\n");
    session.closeAtEnd(
        () -> {
          try {
            commands.flushdb();
          } finally {
            Files.deleteIfExists(note);
            claim.close();
          }
        });
  }

  /** This JVM's connection to its database, shared by the tests. */
  private record Shared(StatefulRedisConnection<String, String> connection)
      implements AutoCloseable {
    @Override
    public void close() {
      connection.close();
    }
  }

  private static RedisCommands<String, String> commands(Session session) {
    return session
        .shared(
            "redis.connection",
            Shared.class,
            () -> {
              Duration timeout = session.settings().serviceTimeout();
              RedisClient client = client(uri(workerUrl(session.settings()), timeout), timeout);
              session.closeAtEnd(() -> client.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
              return new Shared(client.connect());
            })
        .connection()
        .sync();
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == RedisCommands.class
        || type == Streams.class
        || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    if (type == String.class) {
      return workerUrl(session.settings());
    }
    RedisCommands<String, String> commands =
        Session.perTest(
            context,
            "redis",
            () -> commands(session),
            flushed -> {
              guard(workerUrl(session.settings()), session.settings());
              flushed.flushdb();
            });
    return type == Streams.class ? new Streams() : commands;
  }
}
