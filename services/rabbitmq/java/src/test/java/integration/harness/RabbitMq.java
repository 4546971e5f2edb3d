// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.support.DefaultMessagePropertiesConverter;

/**
 * RabbitMQ for the tests (Spring AMQP): parameters {@code RabbitTemplate}, {@code
 * RabbitMq.Queues}, {@code ConnectionFactory} and {@code @RabbitMq.Url String}; and {@link
 * #waitForMessage}.
 *
 * <p>Isolation: tests never share a queue. {@code Queues.make} declares uniquely named queues
 * ({@code test.<worker>.<purpose>.<random>}) and deletes every one of them after the test, so
 * parallel workers and repeated runs cannot see each other's messages. Each queue is declared
 * with {@code x-expires} of an hour: one a killed run left is removed by RabbitMQ itself.
 */
public final class RabbitMq implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("rabbitmq");
  static final String URL_VAR = Services.Catalogue.urlVar("rabbitmq");

  /** x-expires of every queue {@code Queues.make} declares: longer than any run. */
  static final int QUEUE_EXPIRES_MS = 3_600_000;

  /** The AMQP URL, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  static com.rabbitmq.client.ConnectionFactory factory(String url, Duration timeout)
      throws Exception {
    com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
    factory.setUri(url);
    factory.setConnectionTimeout((int) timeout.toMillis());
    factory.setHandshakeTimeout((int) timeout.toMillis());
    factory.setAutomaticRecoveryEnabled(false);
    return factory;
  }

  @Override
  public void guard(String url, Settings settings) {
    String host;
    try {
      host = factory(url, Duration.ofSeconds(1)).getHost();
    } catch (Exception error) {
      throw new IllegalArgumentException(
          URL_VAR + " is not an AMQP URL (" + error.getMessage() + "): " + Safety.redact(url));
    }
    Safety.ensureDisposable(TITLE, url, List.of(host), settings.allowedHosts());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    try (com.rabbitmq.client.Connection connection = factory(url, timeout).newConnection()) {
      Object version = connection.getServerProperties().get("version");
      return TITLE + " " + (version == null ? "(version unknown)" : version.toString());
    } catch (PossibleAuthenticationFailureException error) {
      throw new Readiness.Misconfigured(error.getClass().getSimpleName() + ": " + error.getMessage());
    } catch (java.io.IOException | java.util.concurrent.TimeoutException error) {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      if (String.valueOf(cause.getMessage()).contains("ACCESS_REFUSED")
          || String.valueOf(cause.getMessage()).contains("NOT_ALLOWED")) {
        throw new Readiness.Misconfigured(reason);
      }
      throw new Readiness.NotReady(reason);
    }
  }

  /** Uniquely named queues for one test, all deleted after it, messages and all. */
  public static final class Queues {
    private final RabbitAdmin admin;
    private final List<String> created = new ArrayList<>();

    Queues(RabbitAdmin admin) {
      this.admin = admin;
    }

    /** A queue named {@code test.<worker>.<purpose>.<random>}. */
    public String make(String purpose) {
      return make(purpose, null, Map.of());
    }

    /** A queue whose rejected messages go to the queue {@code deadLetterTo}. */
    public String make(String purpose, String deadLetterTo) {
      return make(purpose, deadLetterTo, Map.of());
    }

    /** A queue with more {@code x-} arguments. */
    public String make(String purpose, String deadLetterTo, Map<String, Object> arguments) {
      String name = Session.uniqueTestName("RabbitMq.Queues.make", purpose, ".");
      Map<String, Object> declared = new HashMap<>();
      declared.put("x-expires", QUEUE_EXPIRES_MS);
      declared.putAll(arguments);
      if (deadLetterTo != null) {
        declared.put("x-dead-letter-exchange", "");
        declared.put("x-dead-letter-routing-key", deadLetterTo);
      }
      admin.declareQueue(new Queue(name, false, false, false, declared));
      created.add(name);
      return name;
    }

    void deleteAll() {
      for (String name : created) {
        admin.deleteQueue(name);
      }
      created.clear();
    }
  }

  /**
   * The next message on {@code queue} (not acknowledged), waiting up to {@code timeout}; fails
   * the test naming the queue when nothing arrives in time.
   */
  public static Message waitForMessage(Channel channel, String queue, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      GetResponse response = channel.basicGet(queue, false);
      if (response != null) {
        return new Message(
            response.getBody(),
            new DefaultMessagePropertiesConverter()
                .toMessageProperties(
                    response.getProps(), response.getEnvelope(), StandardCharsets.UTF_8.name()));
      }
      if (System.nanoTime() >= deadline) {
        throw new AssertionFailedError(
            "no message arrived on " + queue + " within " + timeout.toMillis() / 1000.0 + "s");
      }
      Thread.sleep(20);
    }
  }

  /** {@link #waitForMessage} with a 5 second timeout. */
  public static Message waitForMessage(Channel channel, String queue) throws Exception {
    return waitForMessage(channel, queue, Duration.ofSeconds(5));
  }

  private static CachingConnectionFactory connectionFactory(Session session) {
    return session.shared(
        "rabbitmq.connection",
        CachingConnectionFactory.class,
        () -> {
          try {
            CachingConnectionFactory factory =
                new CachingConnectionFactory(
                    factory(session.settings().url(URL_VAR), Duration.ofSeconds(10)));
            factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
            session.closeAtEnd(factory::destroy);
            return factory;
          } catch (Exception error) {
            throw new IllegalStateException(error.getMessage(), error);
          }
        });
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == RabbitTemplate.class
        || type == Queues.class
        || type == ConnectionFactory.class
        || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String url = session.settings().url(URL_VAR);
    if (type == String.class) {
      return url;
    }
    CachingConnectionFactory factory = connectionFactory(session);
    if (type == ConnectionFactory.class) {
      return factory;
    }
    if (type == RabbitTemplate.class) {
      return session.shared(
          "rabbitmq.template", RabbitTemplate.class, () -> new RabbitTemplate(factory));
    }
    RabbitAdmin admin =
        session.shared("rabbitmq.admin", RabbitAdmin.class, () -> new RabbitAdmin(factory));
    return Session.perTest(
        context,
        "rabbitmq.queues",
        () -> new Queues(admin),
        queues -> {
          guard(url, session.settings());
          queues.deleteAll();
        });
  }
}
