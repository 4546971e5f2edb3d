package integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.SignupEvents;
import integration.exampleapp.SignupEvents.SignupConsumer;
import integration.exampleapp.SignupEvents.TransientError;
import integration.harness.RabbitMq;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/** Example tests (delete with exampleapp/): RabbitMQ with {@code RabbitMq.Queues}. */
class SignupEventsIT {
  static final Map<String, String> EVENT = Map.of("id", "evt-1", "email", "ada@example.com");

  /** Records handled events; throws TransientError for the first {@code failures} calls. */
  static final class FlakyHandler implements Consumer<Map<String, String>> {
    int failures;
    final List<Map<String, String>> handled = new ArrayList<>();

    FlakyHandler(int failures) {
      this.failures = failures;
    }

    @Override
    public void accept(Map<String, String> event) {
      if (failures > 0) {
        failures--;
        throw new TransientError("mail service busy");
      }
      handled.add(event);
    }
  }

  String queue;
  String deadLetters;

  /** A signups queue whose rejected messages go to its own dead-letter queue. */
  @BeforeEach
  void signups(RabbitMq.Queues queues) {
    deadLetters = queues.make("signups-dlq");
    queue = queues.make("signups", deadLetters);
  }

  static String deliver(RabbitTemplate template, String queue, SignupConsumer consumer) {
    return template.execute(
        channel -> consumer.process(RabbitMq.waitForMessage(channel, queue), channel));
  }

  static Message peek(RabbitTemplate template, String queue) {
    return template.execute(channel -> RabbitMq.waitForMessage(channel, queue));
  }

  @Test
  void publishedSignupIsHandledAndAcknowledged(RabbitTemplate template) {
    FlakyHandler handler = new FlakyHandler(0);

    SignupEvents.publishSignup(template, queue, EVENT);

    assertEquals("handled", deliver(template, queue, new SignupConsumer(handler)));
    assertEquals(List.of(EVENT), handler.handled);
    assertEquals(0L, (long) template.execute(channel -> channel.messageCount(queue)));
  }

  @Test
  void poisonMessageIsDeadLettered(RabbitTemplate template) {
    FlakyHandler handler = new FlakyHandler(0);
    template.send("", queue, new Message("{not json".getBytes(StandardCharsets.UTF_8)));

    assertEquals("rejected", deliver(template, queue, new SignupConsumer(handler)));

    assertArrayEquals(
        "{not json".getBytes(StandardCharsets.UTF_8), peek(template, deadLetters).getBody());
    assertEquals(List.of(), handler.handled);
  }

  @Test
  void transientFailureIsRedeliveredOnceThenHandled(RabbitTemplate template) {
    FlakyHandler handler = new FlakyHandler(1);
    SignupConsumer consumer = new SignupConsumer(handler);
    SignupEvents.publishSignup(template, queue, EVENT);

    assertEquals("requeued", deliver(template, queue, consumer));
    String outcome =
        template.execute(
            channel -> {
              Message again = RabbitMq.waitForMessage(channel, queue);
              assertTrue(again.getMessageProperties().isRedelivered());
              return consumer.process(again, channel);
            });

    assertEquals("handled", outcome);
    assertEquals(List.of(EVENT), handler.handled);
  }

  @Test
  void repeatedTransientFailureIsDeadLettered(RabbitTemplate template) {
    SignupConsumer consumer = new SignupConsumer(new FlakyHandler(2));
    SignupEvents.publishSignup(template, queue, EVENT);

    assertEquals("requeued", deliver(template, queue, consumer));
    assertEquals("rejected", deliver(template, queue, consumer));

    assertEquals("evt-1", peek(template, deadLetters).getMessageProperties().getMessageId());
  }

  @Test
  void sameEventTwiceHasOneEffect(RabbitTemplate template) {
    FlakyHandler handler = new FlakyHandler(0);
    SignupConsumer consumer = new SignupConsumer(handler);
    SignupEvents.publishSignup(template, queue, EVENT);
    SignupEvents.publishSignup(template, queue, EVENT);

    List<String> outcomes =
        List.of(deliver(template, queue, consumer), deliver(template, queue, consumer));

    assertEquals(List.of("handled", "duplicate"), outcomes);
    assertEquals(List.of(EVENT), handler.handled);
  }
}
