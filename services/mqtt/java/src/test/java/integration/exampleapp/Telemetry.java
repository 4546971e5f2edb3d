package integration.exampleapp;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Example component (delete me): device telemetry over MQTT, each reading handled once.
 *
 * <p>The consumer's client uses manual acknowledgements and a persistent session: a reading it
 * could not handle is not acknowledged, so the broker delivers it again when the session resumes.
 * Readings it can never handle go to a dead-letter topic.
 */
public final class Telemetry {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Telemetry() {}

  /** The handler may succeed if the reading is delivered again. */
  public static final class TransientError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why it failed this time. */
    public TransientError(String message) {
      super(message);
    }
  }

  /** Publish {@code reading} (with an {@code id}) at QoS 1; returns once the broker has it. */
  public static void publishReading(MqttClient client, String topic, Map<String, Object> reading)
      throws MqttException {
    client.publish(topic, JSON.writeValueAsBytes(reading), 1, false);
  }

  /** What the consumer did with one delivery, and whether the broker flagged it a redelivery. */
  public record Outcome(String what, boolean redelivered) {}

  /** Hands readings to {@code handle}; its state outlives a client (a resumed session). */
  public static final class TelemetryConsumer {
    private final Consumer<JsonNode> handle;
    private final String deadLetterTopic;
    private final Set<String> seen = new HashSet<>();

    /** What happened to each delivery, in order. */
    public final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

    /** A consumer giving readings to {@code handle}, dead-lettering to {@code deadLetterTopic}. */
    public TelemetryConsumer(Consumer<JsonNode> handle, String deadLetterTopic) {
      this.handle = handle;
      this.deadLetterTopic = deadLetterTopic;
    }

    /** Receive on {@code client} (not connected yet): manual acks, this consumer as callback. */
    public void listenOn(MqttClient client) {
      client.setManualAcks(true);
      client.setCallback(
          new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
              outcomes.add(new Outcome(process(client, message), message.isDuplicate()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
          });
    }

    /** Subscribe {@code client} to {@code topic} at QoS 1 (waits for the SUBACK). */
    public static void subscribe(MqttClient client, String topic) throws MqttException {
      client.subscribe(topic, 1);
    }

    private String process(MqttClient client, MqttMessage message) {
      try {
        String readingId;
        try {
          JsonNode reading = JSON.readTree(message.getPayload());
          if (!reading.isObject() || !reading.hasNonNull("id")) {
            throw new IllegalArgumentException("no id");
          }
          readingId = reading.get("id").asString();
          if (seen.contains(readingId)) {
            ack(client, message);
            return "duplicate";
          }
          try {
            handle.accept(reading);
          } catch (TransientError error) {
            return "left for redelivery"; // not acknowledged: delivered again later
          }
        } catch (JacksonException | IllegalArgumentException poison) {
          // Not from the callback thread's own wait: Paho delivers the PUBACK on that thread.
          client.getTopic(deadLetterTopic).publish(new MqttMessage(message.getPayload()));
          ack(client, message);
          return "dead-lettered";
        }
        seen.add(readingId);
        ack(client, message);
        return "handled";
      } catch (MqttException error) {
        return "failed: " + error.getMessage(); // Paho drops the connection if this throws
      }
    }

    private static void ack(MqttClient client, MqttMessage message) throws MqttException {
      client.messageArrivedComplete(message.getId(), message.getQos());
    }
  }
}
