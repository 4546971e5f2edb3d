package integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.Telemetry;
import integration.exampleapp.Telemetry.Outcome;
import integration.exampleapp.Telemetry.TelemetryConsumer;
import integration.exampleapp.Telemetry.TransientError;
import integration.harness.Mqtt;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Example tests (delete with exampleapp/): MQTT with {@code Mqtt.Topics} and {@code Mqtt.Clients}. */
class TelemetryIT {
  static final Map<String, Object> READING =
      Map.of("id", "r-1", "device", "thermostat-7", "celsius", 21.5);

  /** Records handled reading ids; throws TransientError for the first {@code failures} calls. */
  static final class FlakyHandler implements Consumer<JsonNode> {
    int failures;
    final List<String> handled = new ArrayList<>();

    FlakyHandler(int failures) {
      this.failures = failures;
    }

    @Override
    public void accept(JsonNode reading) {
      if (failures > 0) {
        failures--;
        throw new TransientError("storage busy");
      }
      handled.add(reading.get("id").asString());
    }
  }

  Mqtt.Clients clients;
  MqttClient publisher;
  String prefix;

  @BeforeEach
  void telemetry(Mqtt.Topics topics, Mqtt.Clients clients, MqttClient client) {
    this.clients = clients;
    this.publisher = client;
    this.prefix = topics.make("telemetry");
  }

  /** A connected consumer client subscribed to the readings. */
  MqttClient startConsumer(TelemetryConsumer consumer, boolean persistent) throws Exception {
    MqttClient client = clients.create("consumer");
    consumer.listenOn(client);
    clients.connect(client, persistent);
    TelemetryConsumer.subscribe(client, prefix + "/readings");
    return client;
  }

  @Test
  void publishedReadingIsHandled() throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    TelemetryConsumer consumer = new TelemetryConsumer(handler, prefix + "/dead");
    startConsumer(consumer, false);

    Telemetry.publishReading(publisher, prefix + "/readings", READING);

    Mqtt.waitUntil(() -> !consumer.outcomes.isEmpty());
    assertEquals(List.of(new Outcome("handled", false)), consumer.outcomes);
    assertEquals(List.of("r-1"), handler.handled);
  }

  @Test
  void unreadableReadingIsDeadLettered() throws Exception {
    Mqtt.Inbox deadLetters = Mqtt.Inbox.subscribe(publisher, prefix + "/dead");
    TelemetryConsumer consumer = new TelemetryConsumer(new FlakyHandler(0), prefix + "/dead");
    startConsumer(consumer, false);

    publisher.publish(prefix + "/readings", "{not json".getBytes(StandardCharsets.UTF_8), 1, false);

    assertArrayEquals(
        "{not json".getBytes(StandardCharsets.UTF_8), deadLetters.next().getPayload());
    // The consumer records the outcome after it publishes the dead letter.
    Mqtt.waitUntil(() -> !consumer.outcomes.isEmpty());
    assertEquals(List.of(new Outcome("dead-lettered", false)), consumer.outcomes);
  }

  @Test
  void unacknowledgedReadingIsRedeliveredWhenTheSessionResumes() throws Exception {
    FlakyHandler handler = new FlakyHandler(1);
    TelemetryConsumer consumer = new TelemetryConsumer(handler, prefix + "/dead");
    MqttClient first = startConsumer(consumer, true);
    Telemetry.publishReading(publisher, prefix + "/readings", READING);
    Mqtt.waitUntil(() -> !consumer.outcomes.isEmpty());

    first.disconnect();
    MqttClient resumed = clients.recreate(first);
    consumer.listenOn(resumed);
    clients.connect(resumed, true);

    Mqtt.waitUntil(() -> consumer.outcomes.size() == 2);
    assertEquals(
        List.of(new Outcome("left for redelivery", false), new Outcome("handled", true)),
        consumer.outcomes);
    assertEquals(List.of("r-1"), handler.handled);
  }

  @Test
  void sameReadingTwiceHasOneEffect() throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    TelemetryConsumer consumer = new TelemetryConsumer(handler, prefix + "/dead");
    startConsumer(consumer, false);

    Telemetry.publishReading(publisher, prefix + "/readings", READING);
    Telemetry.publishReading(publisher, prefix + "/readings", READING);

    Mqtt.waitUntil(() -> consumer.outcomes.size() == 2);
    assertEquals(
        List.of("handled", "duplicate"), consumer.outcomes.stream().map(Outcome::what).toList());
    assertEquals(List.of("r-1"), handler.handled);
  }

  @Test
  void retainedStatusReachesLateSubscribers() throws Exception {
    publisher.publish(prefix + "/status", "online".getBytes(StandardCharsets.UTF_8), 1, true);

    Mqtt.Inbox late = Mqtt.Inbox.subscribe(clients.connect("late-subscriber"), prefix + "/status");

    MqttMessage message = late.next();
    assertEquals("online", new String(message.getPayload(), StandardCharsets.UTF_8));
    assertTrue(message.isRetained());
  }
}
