// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;

/**
 * Kafka for the tests (kafka-clients): parameters {@code KafkaProducer<String, String>}, {@code
 * Kafka.Topics}, {@code Kafka.Consumers} and {@code @Kafka.BootstrapServers String}; and {@link
 * #pollOne}.
 *
 * <p>Isolation: uniquely named topics ({@code test-<worker>-<purpose>-<random>}) and consumer
 * groups per test, deleted after it (topic deletion is asynchronous, so names are never reused).
 * Before the run, topics a killed run left (harness names over an hour old) are deleted.
 */
public final class Kafka implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("kafka");
  static final String URL_VAR = Services.Catalogue.urlVar("kafka");

  /** The {@code host:port} list of the broker, for code under test ({@code bootstrap.servers}). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface BootstrapServers {}

  static List<String> hosts(String servers) {
    List<String> hosts = new ArrayList<>();
    for (String server : servers.split(",")) {
      String entry = server.strip();
      if (entry.contains("://")) {
        entry = entry.substring(entry.indexOf("://") + 3);
      }
      int colon = entry.lastIndexOf(':');
      if (colon < 0 || !entry.substring(colon + 1).matches("\\d+")) {
        throw new IllegalArgumentException(
            URL_VAR + ": expected host:port[,host:port], not '" + entry + "'");
      }
      hosts.add(entry.substring(0, colon));
    }
    return hosts;
  }

  static Admin admin(String servers, Duration timeout) {
    Properties properties = new Properties();
    properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    return Admin.create(properties);
  }

  @Override
  public void guard(String servers, Settings settings) {
    Safety.ensureDisposable(TITLE, servers, hosts(servers), settings.allowedHosts());
  }

  @Override
  public String probe(String servers, Duration timeout) throws Exception {
    try (Admin admin = admin(servers, timeout)) {
      int brokers =
          admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
      return TITLE + ", " + brokers + " broker" + (brokers != 1 ? "s" : "");
    } catch (ExecutionException | java.util.concurrent.TimeoutException error) {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      throw new Readiness.NotReady(cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
  }

  /** Before the run: delete the topics killed runs leaked (harness names over an hour old). */
  @Override
  public void preflight(String servers, Settings settings, Session session) throws Exception {
    Duration timeout = settings.serviceTimeout();
    try (Admin admin = admin(servers, timeout)) {
      List<String> stale =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS).stream()
              .filter(name -> Session.isStaleTestName(name, "-"))
              .sorted()
              .toList();
      if (!stale.isEmpty()) {
        try {
          admin.deleteTopics(stale).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException error) {
          if (!(error.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw error;
          }
        }
      }
    }
  }

  /** Unique topics for one test, deleted after it. */
  public static final class Topics {
    private final Admin admin;
    private final List<String> created = new ArrayList<>();

    Topics(Admin admin) {
      this.admin = admin;
    }

    /** A topic {@code test-<worker>-<purpose>-<random>} with one partition, ready to use. */
    public String make(String purpose) throws Exception {
      return make(purpose, 1);
    }

    /** A topic with {@code partitions} partitions, ready to use. */
    public String make(String purpose, int partitions) throws Exception {
      String name = Session.uniqueTestName("Kafka.Topics.make", purpose, "-");
      admin
          .createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
          .all()
          .get(15, TimeUnit.SECONDS);
      created.add(name);
      return name;
    }

    void deleteAll() throws Exception {
      if (!created.isEmpty()) {
        admin.deleteTopics(created).all().get(15, TimeUnit.SECONDS);
        created.clear();
      }
    }
  }

  /** Consumers in groups of their own for one test; closed, and their groups deleted, after it. */
  public static final class Consumers {
    private final Admin admin;
    private final String servers;
    private final List<KafkaConsumer<String, String>> consumers = new ArrayList<>();
    private final Map<String, String> groups = new HashMap<>();

    Consumers(Admin admin, String servers) {
      this.admin = admin;
      this.servers = servers;
    }

    /** A consumer of {@code topics} in a group of its own, from the earliest offset, no auto-commit. */
    public KafkaConsumer<String, String> make(String... topics) {
      return inGroup("own-" + consumers.size(), topics);
    }

    /** A consumer in the unique group named for {@code group} (shared by its consumers). */
    public KafkaConsumer<String, String> inGroup(String group, String... topics) {
      String id =
          groups.computeIfAbsent(
              group,
              key ->
                  Session.uniqueTestName(
                      "Kafka.Consumers.make", key.startsWith("own-") ? "group" : key, "-"));
      Properties properties = new Properties();
      properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
      properties.put(ConsumerConfig.GROUP_ID_CONFIG, id);
      properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
      KafkaConsumer<String, String> consumer =
          new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer());
      consumer.subscribe(List.of(topics));
      consumers.add(consumer);
      return consumer;
    }

    void closeAll() throws Exception {
      for (KafkaConsumer<String, String> consumer : consumers) {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      }
      consumers.clear();
      if (!groups.isEmpty()) {
        try {
          admin.deleteConsumerGroups(groups.values()).all().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException error) {
          if (!(error.getCause() instanceof GroupIdNotFoundException)) {
            throw error;
          }
        }
        groups.clear();
      }
    }
  }

  /**
   * The next record for {@code consumer}, waiting up to {@code timeout} (group joins take a
   * moment); fails the test when nothing arrives in time.
   */
  public static ConsumerRecord<String, String> pollOne(
      KafkaConsumer<String, String> consumer, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
      if (!records.isEmpty()) {
        ConsumerRecord<String, String> first = records.iterator().next();
        // Hand out one record: the next poll starts right after it.
        consumer.seek(
            new org.apache.kafka.common.TopicPartition(first.topic(), first.partition()),
            first.offset() + 1);
        return first;
      }
    }
    throw new AssertionFailedError("no message arrived within " + timeout.toSeconds() + "s");
  }

  /** {@link #pollOne} waiting up to 10 s. */
  public static ConsumerRecord<String, String> pollOne(KafkaConsumer<String, String> consumer) {
    return pollOne(consumer, Duration.ofSeconds(10));
  }

  private static Admin sharedAdmin(Session session) {
    return session.shared(
        "kafka.admin",
        Admin.class,
        () -> admin(session.settings().url(URL_VAR), Duration.ofSeconds(15)));
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == KafkaProducer.class
        || type == Topics.class
        || type == Consumers.class
        || (type == String.class && parameter.isAnnotated(BootstrapServers.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String servers = session.settings().url(URL_VAR);
    if (type == String.class) {
      return servers;
    }
    if (type == KafkaProducer.class) {
      Properties properties = new Properties();
      properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
      properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      properties.put(ProducerConfig.ACKS_CONFIG, "all");
      properties.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      return Session.perTest(
          context,
          "kafka.producer",
          () -> new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer()),
          producer -> {
            producer.flush();
            producer.close(Duration.ofSeconds(5));
          });
    }
    Admin admin = sharedAdmin(session);
    if (type == Topics.class) {
      return Session.perTest(
          context,
          "kafka.topics",
          () -> new Topics(admin),
          topics -> {
            guard(servers, session.settings());
            topics.deleteAll();
          });
    }
    return Session.perTest(
        context,
        "kafka.consumers",
        () -> new Consumers(admin, servers),
        consumers -> {
          guard(servers, session.settings());
          consumers.closeAll();
        });
  }
}
