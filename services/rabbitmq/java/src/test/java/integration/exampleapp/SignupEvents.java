package integration.exampleapp;

import com.rabbitmq.client.Channel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.api.ChannelAwareMessageListener;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Example component (delete me): signup events over RabbitMQ, handled once each.
 *
 * <p>{@link SignupConsumer} is a Spring AMQP {@code ChannelAwareMessageListener} (manual
 * acknowledgement), so the application gives it to a listener container and tests call {@link
 * SignupConsumer#process} directly.
 */
public final class SignupEvents {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private SignupEvents() {}

  /** The handler may succeed if the message is delivered again. */
  public static final class TransientError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why it failed this time. */
    public TransientError(String message) {
      super(message);
    }
  }

  /** Publish {@code event} (with an {@code id}) as persistent JSON to {@code queue}, confirmed. */
  public static void publishSignup(RabbitTemplate template, String queue, Map<String, String> event) {
    MessageProperties properties = new MessageProperties();
    properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
    properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
    properties.setMessageId(event.get("id"));
    Message message = new Message(JSON.writeValueAsBytes(event), properties);
    template.invoke(
        operations -> {
          operations.send("", queue, message);
          operations.waitForConfirmsOrDie(5_000);
          return null;
        });
  }

  /** Acks what it handled; retries a transient failure once; dead-letters the rest. */
  public static final class SignupConsumer implements ChannelAwareMessageListener {
    private final Consumer<Map<String, String>> handle;
    private final Set<String> seen = new HashSet<>(); // a table in a real service

    /** A consumer giving each event to {@code handle} once. */
    public SignupConsumer(Consumer<Map<String, String>> handle) {
      this.handle = handle;
    }

    @Override
    public void onMessage(Message message, Channel channel) throws IOException {
      process(message, channel);
    }

    /** Handle one delivery: "handled", "duplicate", "requeued" or "rejected". */
    public String process(Message message, Channel channel) throws IOException {
      long tag = message.getMessageProperties().getDeliveryTag();
      boolean redelivered = Boolean.TRUE.equals(message.getMessageProperties().isRedelivered());
      Map<String, String> event;
      try {
        JsonNode tree = JSON.readTree(new String(message.getBody(), StandardCharsets.UTF_8));
        if (!tree.isObject() || !tree.hasNonNull("id")) {
          throw new IllegalArgumentException("no id");
        }
        event = Map.of("id", tree.get("id").asString(), "email", tree.path("email").asString(""));
      } catch (JacksonException | IllegalArgumentException poison) {
        channel.basicNack(tag, false, false);
        return "rejected";
      }
      if (seen.contains(event.get("id"))) {
        channel.basicAck(tag, false);
        return "duplicate";
      }
      try {
        handle.accept(event);
      } catch (TransientError error) {
        channel.basicNack(tag, false, !redelivered);
        return redelivered ? "rejected" : "requeued";
      }
      seen.add(event.get("id"));
      channel.basicAck(tag, false);
      return "handled";
    }
  }
}
