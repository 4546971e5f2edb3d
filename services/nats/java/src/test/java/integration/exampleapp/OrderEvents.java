package integration.exampleapp;

import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Example component (delete me): order events over NATS JetStream, each handled once.
 *
 * <p>Publishing sets {@code Nats-Msg-Id} to the event id, so JetStream itself drops a second
 * publish of the same event within its duplicate window. The consumer acknowledges what it
 * handled, asks for redelivery after a transient failure, and moves what it cannot handle to a
 * dead-letter subject.
 */
public final class OrderEvents {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private OrderEvents() {}

  /** The handler may succeed if the message is delivered again. */
  public static final class TransientError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why it failed this time. */
    public TransientError(String message) {
      super(message);
    }
  }

  /** Publish {@code event} (with an {@code id}); false when JetStream dropped it as a duplicate. */
  public static boolean publishOrder(JetStream jetStream, String subject, Map<String, Object> event)
      throws Exception {
    Headers headers = new Headers();
    headers.add("Nats-Msg-Id", String.valueOf(event.get("id")));
    PublishAck ack =
        jetStream.publish(
            NatsMessage.builder()
                .subject(subject)
                .headers(headers)
                .data(JSON.writeValueAsBytes(event))
                .build());
    return !ack.isDuplicate();
  }

  /** Handles order events; gives up on a message after two deliveries. */
  public static final class OrderConsumer {
    private final Consumer<JsonNode> handle;
    private final String deadLetterSubject;
    private final long maxDeliveries = 2;

    /** A consumer giving events to {@code handle}, dead-lettering to {@code deadLetterSubject}. */
    public OrderConsumer(Consumer<JsonNode> handle, String deadLetterSubject) {
      this.handle = handle;
      this.deadLetterSubject = deadLetterSubject;
    }

    private String deadLetter(JetStream jetStream, Message message) throws Exception {
      jetStream.publish(deadLetterSubject, message.getData());
      message.term();
      return "dead-lettered";
    }

    /** Handle one delivery: "handled", "redelivery requested" or "dead-lettered". */
    public String process(JetStream jetStream, Message message) throws Exception {
      JsonNode event;
      try {
        event = JSON.readTree(message.getData());
        if (!event.isObject() || !event.hasNonNull("id")) {
          throw new IllegalArgumentException("no id");
        }
      } catch (JacksonException | IllegalArgumentException poison) {
        return deadLetter(jetStream, message);
      }
      try {
        handle.accept(event);
      } catch (TransientError error) {
        if (message.metaData().deliveredCount() >= maxDeliveries) {
          return deadLetter(jetStream, message);
        }
        message.nak();
        return "redelivery requested";
      }
      message.ackSync(Duration.ofSeconds(5)); // wait for the server: no second delivery after this
      return "handled";
    }
  }
}
