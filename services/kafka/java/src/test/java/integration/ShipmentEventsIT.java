package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import integration.exampleapp.ShipmentEvents;
import integration.exampleapp.ShipmentEvents.ShipmentConsumer;
import integration.exampleapp.ShipmentEvents.TransientError;
import integration.harness.Kafka;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Example tests (delete with exampleapp/): Kafka with {@code Kafka.Topics} and consumers. */
class ShipmentEventsIT {
  static final Map<String, Object> EVENT = Map.of("id", "evt-1", "order_id", 42, "status", "shipped");

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
        throw new TransientError("warehouse API busy");
      }
      handled.add(event.get("id").asString());
    }
  }

  String topic;
  String deadLetters;
  KafkaConsumer<String, String> consumer;

  /** A shipments topic, its dead-letter topic, and a consumer of the first. */
  @BeforeEach
  void shipments(Kafka.Topics topics, Kafka.Consumers consumers) throws Exception {
    topic = topics.make("shipments");
    deadLetters = topics.make("shipments-dlq");
    consumer = consumers.make(topic);
  }

  long committedOffset() {
    TopicPartition partition = new TopicPartition(topic, 0);
    OffsetAndMetadata committed = consumer.committed(Set.of(partition)).get(partition);
    assertNotNull(committed, "nothing committed");
    return committed.offset();
  }

  @Test
  void publishedEventIsHandledAndCommitted(KafkaProducer<String, String> producer) throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    ShipmentConsumer worker = new ShipmentConsumer(consumer, producer, deadLetters, handler);

    ShipmentEvents.publishShipment(producer, topic, EVENT);

    assertEquals("handled", worker.process(Kafka.pollOne(consumer)));
    assertEquals(List.of("evt-1"), handler.handled);
    assertEquals(1, committedOffset());
  }

  @Test
  void poisonMessageGoesToTheDeadLetterTopic(
      KafkaProducer<String, String> producer, Kafka.Consumers consumers) throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    ShipmentConsumer worker = new ShipmentConsumer(consumer, producer, deadLetters, handler);
    producer.send(new ProducerRecord<>(topic, "42", "{not json")).get(10, TimeUnit.SECONDS);

    assertEquals("dead-lettered", worker.process(Kafka.pollOne(consumer)));

    ConsumerRecord<String, String> dead = Kafka.pollOne(consumers.make(deadLetters));
    assertEquals("{not json", dead.value());
    Header error = dead.headers().lastHeader("error");
    assertNotNull(error);
    assertEquals("StreamReadException", new String(error.value(), StandardCharsets.UTF_8));
    assertEquals(1, committedOffset());
    assertEquals(List.of(), handler.handled);
  }

  @Test
  void transientFailureIsReadAgainThenHandled(KafkaProducer<String, String> producer)
      throws Exception {
    FlakyHandler handler = new FlakyHandler(1);
    ShipmentConsumer worker = new ShipmentConsumer(consumer, producer, deadLetters, handler);
    ShipmentEvents.publishShipment(producer, topic, EVENT);

    ConsumerRecord<String, String> first = Kafka.pollOne(consumer);
    assertEquals("retry", worker.process(first));
    ConsumerRecord<String, String> again = Kafka.pollOne(consumer);

    assertEquals(first.offset(), again.offset());
    assertEquals("handled", worker.process(again));
    assertEquals(List.of("evt-1"), handler.handled);
  }

  @Test
  void sameEventTwiceHasOneEffect(KafkaProducer<String, String> producer) throws Exception {
    FlakyHandler handler = new FlakyHandler(0);
    ShipmentConsumer worker = new ShipmentConsumer(consumer, producer, deadLetters, handler);
    ShipmentEvents.publishShipment(producer, topic, EVENT);
    ShipmentEvents.publishShipment(producer, topic, EVENT);

    List<String> outcomes =
        List.of(worker.process(Kafka.pollOne(consumer)), worker.process(Kafka.pollOne(consumer)));

    assertEquals(List.of("handled", "duplicate"), outcomes);
    assertEquals(List.of("evt-1"), handler.handled);
    assertEquals(2, committedOffset());
  }
}
