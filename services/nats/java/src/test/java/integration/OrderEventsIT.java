package integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.OrderEvents;
import integration.exampleapp.OrderEvents.OrderConsumer;
import integration.exampleapp.OrderEvents.TransientError;
import integration.harness.NatsJetStream;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.ConsumerInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import tools.jackson.databind.JsonNode;

/** Example tests (delete with exampleapp/): NATS JetStream with {@code NatsJetStream.Streams}. */
class OrderEventsIT {
  static final Map<String, Object> EVENT = Map.of("id", "order-1", "total", 42);

  /** Records handled event ids; throws TransientError for the first {@code failures} calls. */
  static final class FlakyHandler implements Consumer<JsonNode> {
    int failures;
    final List<String> handled = new ArrayList<>();

    FlakyHandler(int failures) {
      this.failures = failures;
    }

    @Override
    public void accept(JsonNode event) {
      if (failures > 0) {
        failures--;
        throw new TransientError("warehouse busy");
      }
      handled.add(event.get("id").asString());
    }
  }

  Connection nats;
  JetStream jetStream;
  NatsJetStream.IsolatedStream orders;
  final Map<String, JetStreamSubscription> readers = new HashMap<>();

  @BeforeEach
  void orders(Connection connection, NatsJetStream.Streams streams) throws Exception {
    nats = connection;
    jetStream = connection.jetStream();
    orders = streams.make("orders");
  }

  /** The next message on {@code subject} through a durable pull consumer named for it. */
  Message nextMessage(String subject) throws Exception {
    JetStreamSubscription reader = readers.get(subject);
    if (reader == null) {
      reader =
          jetStream.subscribe(
              orders.subject(subject),
              PullSubscribeOptions.builder().durable("reader-" + subject).stream(orders.name()).build());
      readers.put(subject, reader);
    }
    List<Message> messages = reader.fetch(1, Duration.ofSeconds(5));
    if (messages.isEmpty()) {
      throw new AssertionFailedError("no message on " + orders.subject(subject) + " within 5s");
    }
    return messages.get(0);
  }

  @Test
  void publishedOrderIsHandledAndAcknowledged() throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    OrderConsumer consumer = new OrderConsumer(handler, orders.subject("dead"));

    OrderEvents.publishOrder(jetStream, orders.subject("created"), EVENT);

    assertEquals("handled", consumer.process(jetStream, nextMessage("created")));
    assertEquals(List.of("order-1"), handler.handled);
    ConsumerInfo info = nats.jetStreamManagement().getConsumerInfo(orders.name(), "reader-created");
    assertEquals(0, info.getNumAckPending());
    assertEquals(0, info.getNumPending());
  }

  @Test
  void sameOrderPublishedTwiceIsStoredOnce() throws Exception {
    boolean first = OrderEvents.publishOrder(jetStream, orders.subject("created"), EVENT);
    boolean second = OrderEvents.publishOrder(jetStream, orders.subject("created"), EVENT);

    assertEquals(List.of(true, false), List.of(first, second));
    assertEquals(
        1, nats.jetStreamManagement().getStreamInfo(orders.name()).getStreamState().getMsgCount());
  }

  @Test
  void poisonMessageIsDeadLettered() throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    OrderConsumer consumer = new OrderConsumer(handler, orders.subject("dead"));
    jetStream.publish(orders.subject("created"), "{not json".getBytes(StandardCharsets.UTF_8));

    assertEquals("dead-lettered", consumer.process(jetStream, nextMessage("created")));

    assertArrayEquals("{not json".getBytes(StandardCharsets.UTF_8), nextMessage("dead").getData());
    assertEquals(List.of(), handler.handled);
  }

  @Test
  void transientFailureIsRedeliveredThenHandled() throws Exception {
    FlakyHandler handler = new FlakyHandler(1);
    OrderConsumer consumer = new OrderConsumer(handler, orders.subject("dead"));
    OrderEvents.publishOrder(jetStream, orders.subject("created"), EVENT);

    assertEquals("redelivery requested", consumer.process(jetStream, nextMessage("created")));
    Message again = nextMessage("created");

    assertEquals(2, again.metaData().deliveredCount());
    assertEquals("handled", consumer.process(jetStream, again));
    assertEquals(List.of("order-1"), handler.handled);
  }

  @Test
  void repeatedFailureIsDeadLettered() throws Exception {
    OrderConsumer consumer = new OrderConsumer(new FlakyHandler(5), orders.subject("dead"));
    OrderEvents.publishOrder(jetStream, orders.subject("created"), EVENT);

    List<String> outcomes =
        List.of(
            consumer.process(jetStream, nextMessage("created")),
            consumer.process(jetStream, nextMessage("created")));

    assertEquals(List.of("redelivery requested", "dead-lettered"), outcomes);
    String dead = new String(nextMessage("dead").getData(), StandardCharsets.UTF_8);
    assertTrue(dead.contains("\"id\":\"order-1\""), dead);
  }
}
