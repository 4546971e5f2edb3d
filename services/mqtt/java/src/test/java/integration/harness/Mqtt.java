// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;

/**
 * MQTT for the tests (Eclipse Paho, MQTT 3.1.1): parameters {@code Mqtt.Topics}, {@code
 * Mqtt.Clients}, {@code org.eclipse.paho.client.mqttv3.MqttClient} and {@code @Mqtt.Url String};
 * and {@link Inbox}.
 *
 * <p>Isolation: MQTT topics need no creating, so tests never share one by using unique prefixes
 * ({@code test/<worker>/<purpose>/<stamp><random>}). After the test, retained messages under those
 * prefixes are cleared, every client is disconnected and the persistent sessions of the test's
 * clients are ended, so the broker keeps nothing a test made. Before the run, retained messages
 * under prefixes a killed run left (harness names over an hour old) are cleared.
 */
public final class Mqtt implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("mqtt");
  static final String URL_VAR = Services.Catalogue.urlVar("mqtt");
  private static final String END_OF_RETAINED = "__integration_harness_end__";
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** The MQTT URL, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  /** The broker a URL names, as Paho is given it. */
  record Broker(String serverUri, String host, String username, String password) {}

  static Broker broker(String url) {
    URI uri = URI.create(url.strip());
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    boolean tls = scheme.equals("mqtts") || scheme.equals("ssl");
    if (!tls && !scheme.equals("mqtt") && !scheme.equals("tcp")) {
      throw new IllegalArgumentException(
          URL_VAR + " must start with mqtt:// or mqtts://, not " + scheme + "://");
    }
    String host = uri.getHost() == null ? "" : uri.getHost();
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
    String username = null;
    String password = null;
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      username = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
      password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
    }
    String serverHost = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return new Broker((tls ? "ssl://" : "tcp://") + serverHost + ":" + port, host, username, password);
  }

  /** A new client for {@code url} with id {@code clientId}, not connected (state in memory). */
  public static MqttClient client(String url, String clientId) throws MqttException {
    return new MqttClient(broker(url).serverUri(), clientId, new MemoryPersistence());
  }

  /** Connect {@code client} to {@code url} within {@code timeout}; a clean or a kept session. */
  public static void connect(MqttClient client, String url, boolean persistent, Duration timeout)
      throws MqttException {
    Broker broker = broker(url);
    MqttConnectOptions options = new MqttConnectOptions();
    options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    options.setCleanSession(!persistent);
    options.setAutomaticReconnect(false);
    options.setConnectionTimeout((int) Math.max(1, Math.ceil(timeout.toMillis() / 1000.0)));
    options.setKeepAliveInterval(30);
    if (broker.username() != null) {
      options.setUserName(broker.username());
    }
    if (broker.password() != null) {
      options.setPassword(broker.password().toCharArray());
    }
    client.setTimeToWait(timeout.toMillis());
    client.connect(options);
  }

  /** Disconnect (if connected) and release {@code client}. */
  public static void close(MqttClient client) throws MqttException {
    if (client.isConnected()) {
      client.disconnect(1000);
    }
    client.close();
  }

  @Override
  public void guard(String url, Settings settings) {
    Safety.ensureDisposable(TITLE, url, List.of(broker(url).host()), settings.allowedHosts());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    MqttClient client = client(url, MqttClient.generateClientId());
    try {
      connect(client, url, false, timeout);
    } catch (MqttException error) {
      client.close();
      switch (error.getReasonCode()) {
        case MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION,
            MqttException.REASON_CODE_INVALID_CLIENT_ID,
            MqttException.REASON_CODE_FAILED_AUTHENTICATION,
            MqttException.REASON_CODE_NOT_AUTHORIZED ->
            throw new Readiness.Misconfigured(
                "the broker refused the connection: " + error.getMessage());
        default -> throw new Readiness.NotReady(describe(error));
      }
    }
    try {
      MqttMessage version =
          Inbox.subscribe(client, "$SYS/broker/version").poll(Duration.ofSeconds(1));
      return version == null ? TITLE : new String(version.getPayload(), StandardCharsets.UTF_8);
    } finally {
      close(client);
    }
  }

  private static String describe(MqttException error) {
    Throwable cause = error.getCause();
    return cause != null && cause.getMessage() != null
        ? error.getMessage() + " (" + cause.getMessage() + ")"
        : String.valueOf(error.getMessage());
  }

  /**
   * Before the run: clear retained messages under the prefixes of killed runs (harness names over
   * an hour old); persistent sessions cannot be listed over MQTT and are left to the broker.
   */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    MqttClient client = client(url, MqttClient.generateClientId());
    connect(client, url, false, TIMEOUT);
    try {
      Set<String> stale = new LinkedHashSet<>();
      for (String topic : retainedUnder(client, "test")) {
        String[] levels = topic.split("/");
        if (levels.length >= 4) {
          String prefix = String.join("/", levels[0], levels[1], levels[2], levels[3]);
          if (Session.isStaleTestName(prefix, "/")) {
            stale.add(prefix);
          }
        }
      }
      for (String prefix : stale) {
        clearRetained(client, prefix);
      }
    } finally {
      close(client);
    }
  }

  /** The topics under {@code prefix} holding a retained message, seen through {@code client}. */
  private static List<String> retainedUnder(MqttClient client, String prefix) throws Exception {
    Inbox inbox = Inbox.subscribe(client, prefix + "/#");
    try {
      // Retained messages are sent right after the subscription, so once this marker comes
      // back, every retained message under the prefix has arrived.
      String marker = prefix + "/" + END_OF_RETAINED;
      client.publish(marker, new byte[0], 1, false);
      List<String> retained = new ArrayList<>();
      while (true) {
        Inbox.Received message = inbox.nextReceived(TIMEOUT);
        if (message.topic().equals(marker)) {
          return retained;
        }
        if (message.message().isRetained()) {
          retained.add(message.topic());
        }
      }
    } finally {
      client.unsubscribe(prefix + "/#");
    }
  }

  private static List<String> clearRetained(MqttClient client, String prefix) throws Exception {
    List<String> retained = retainedUnder(client, prefix);
    for (String topic : retained) {
      client.publish(topic, new byte[0], 1, true);
    }
    return retained;
  }

  /** Delete every retained message under {@code prefix}; the topics cleared. */
  public static List<String> clearRetained(String url, String prefix) throws Exception {
    MqttClient client = client(url, MqttClient.generateClientId());
    connect(client, url, false, TIMEOUT);
    try {
      return clearRetained(client, prefix);
    } finally {
      close(client);
    }
  }

  /**
   * The run's one connection for clearing retained messages after each test (Paho 1.2.5 takes
   * about 300 ms to connect), disconnected when the run ends.
   */
  static final class Cleaner implements AutoCloseable {
    private final String url;
    private MqttClient client;

    Cleaner(String url) {
      this.url = url;
    }

    synchronized void clear(List<String> prefixes) throws Exception {
      if (client == null || !client.isConnected()) {
        if (client != null) {
          client.close();
        }
        client = client(url, MqttClient.generateClientId());
        connect(client, url, false, TIMEOUT);
      }
      for (String prefix : prefixes) {
        clearRetained(client, prefix);
      }
    }

    @Override
    public synchronized void close() throws MqttException {
      if (client != null) {
        Mqtt.close(client);
        client = null;
      }
    }
  }

  /** Messages arriving on one subscription of a client, in order. */
  public static final class Inbox {
    /** A message and the topic it came on. */
    public record Received(String topic, MqttMessage message) {}

    private final String filter;
    private final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();

    private Inbox(String filter) {
      this.filter = filter;
    }

    /** Subscribe {@code client} to {@code filter} at QoS 1 (waits for the SUBACK). */
    public static Inbox subscribe(MqttClient client, String filter) throws MqttException {
      Inbox inbox = new Inbox(filter);
      client.subscribe(
          filter, 1, (topic, message) -> inbox.messages.add(new Received(topic, message)));
      return inbox;
    }

    /** The next message, waiting up to {@code timeout}; the test fails if none arrives. */
    public MqttMessage next(Duration timeout) throws InterruptedException {
      return nextReceived(timeout).message();
    }

    /** The next message within 5 s; the test fails if none arrives. */
    public MqttMessage next() throws InterruptedException {
      return next(TIMEOUT);
    }

    /** The next message with its topic, waiting up to {@code timeout}; fails if none. */
    public Received nextReceived(Duration timeout) throws InterruptedException {
      Received received = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (received == null) {
        throw new AssertionFailedError(
            "no MQTT message on " + filter + " within " + timeout.toSeconds() + "s");
      }
      return received;
    }

    /** The next message, or null when none arrives within {@code timeout}. */
    public MqttMessage poll(Duration timeout) throws InterruptedException {
      Received received = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return received == null ? null : received.message();
    }
  }

  /** Wait for {@code condition} (e.g. a callback having run); the test fails after 5 s. */
  public static void waitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionFailedError("condition not met within " + TIMEOUT.toSeconds() + "s");
      }
      Thread.sleep(5);
    }
  }

  /** Unique topic prefixes for one test; retained messages under them cleared after it. */
  public static final class Topics {
    private final List<String> made = new ArrayList<>();

    /** {@code test/<worker>/<purpose>/<stamp><random>}: publish under it ({@code prefix + "/x"}). */
    public String make(String purpose) {
      made.add(Session.uniqueTestName("Mqtt.Topics.make", purpose, "/"));
      return made.get(made.size() - 1);
    }

    void clear(Cleaner cleaner) throws Exception {
      cleaner.clear(made);
      made.clear();
    }
  }

  /**
   * Clients for one test, each with a unique id: disconnected after it, and every persistent
   * session they opened ended.
   */
  public static final class Clients {
    private final String url;
    private final List<MqttClient> clients = new ArrayList<>();
    private final Set<String> persistentIds = new LinkedHashSet<>();

    Clients(String url) {
      this.url = url;
    }

    /** A connected clean-session client. */
    public MqttClient connect(String purpose) throws MqttException {
      MqttClient client = create(purpose);
      connect(client, false);
      return client;
    }

    /**
     * A new client, not connected yet: set its callback (and {@code setManualAcks(true)}) first,
     * so messages a resumed session delivers right after the CONNACK are not missed, then {@link
     * #connect(MqttClient, boolean)}.
     */
    public MqttClient create(String purpose) throws MqttException {
      return track(client(url, Session.uniqueTestName("Mqtt.Clients.create", purpose, "-")));
    }

    /** A new client with the id of {@code earlier}, not connected: to resume its session. */
    public MqttClient recreate(MqttClient earlier) throws MqttException {
      return track(client(url, earlier.getClientId()));
    }

    /** Connect {@code client}; a persistent session ({@code persistent}) is ended after the test. */
    public void connect(MqttClient client, boolean persistent) throws MqttException {
      if (persistent) {
        persistentIds.add(client.getClientId());
      }
      Mqtt.connect(client, url, persistent, TIMEOUT);
    }

    private MqttClient track(MqttClient client) {
      clients.add(client);
      return client;
    }

    void closeAll() throws Exception {
      for (MqttClient client : clients) {
        close(client);
      }
      clients.clear();
      for (String id : persistentIds) { // a clean connect ends the stored session
        MqttClient ending = client(url, id);
        Mqtt.connect(ending, url, false, TIMEOUT);
        close(ending);
      }
      persistentIds.clear();
    }
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == Topics.class
        || type == Clients.class
        || type == MqttClient.class
        || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String url = session.settings().url(URL_VAR);
    if (type == String.class) {
      return url;
    }
    if (type == Topics.class) {
      Cleaner cleaner = session.shared("mqtt.cleaner", Cleaner.class, () -> new Cleaner(url));
      return Session.perTest(
          context,
          "mqtt.topics",
          Topics::new,
          topics -> {
            guard(url, session.settings());
            topics.clear(cleaner);
          });
    }
    Clients clients =
        Session.perTest(context, "mqtt.clients", () -> new Clients(url), Clients::closeAll);
    if (type == Clients.class) {
      return clients;
    }
    return Session.perTest(context, "mqtt.client", () -> clients.connect("client"), client -> {});
  }
}
