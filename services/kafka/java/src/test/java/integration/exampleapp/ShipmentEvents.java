package integration.exampleapp;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Example component (delete me): shipment events on Kafka, each handled once.
 *
 * <p>Kafka has no dead-letter queue of its own: a message that can never be handled is copied to
 * a dead-letter topic and its offset committed, so it no longer blocks its partition. A transient
 * failure commits nothing and seeks back, so the same message is read again.
 */
public final class ShipmentEvents {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private ShipmentEvents() {}

  /** The handler may succeed if the event is read again. */
  public static final class TransientError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why it failed this time. */
    public TransientError(String message) {
      super(message);
    }
  }

  /** Publish {@code event} as JSON, keyed by its order (one order's events stay in order). */
  public static void publishShipment(
      KafkaProducer<String, String> producer, String topic, Map<String, Object> event)
      throws Exception {
    producer
        .send(new ProducerRecord<>(topic, String.valueOf(event.get("order_id")), JSON.writeValueAsString(event)))
        .get(10, TimeUnit.SECONDS);
  }

  /** Commits what it handled; dead-letters what it cannot parse; retries the rest. */
  public static final class ShipmentConsumer {
    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private final String deadLetterTopic;
    private final Consumer<JsonNode> handle;
    private final Set<String> seen = new HashSet<>(); // a table in a real service

    /** A consumer giving each event to {@code handle} once. */
    public ShipmentConsumer(
        KafkaConsumer<String, String> consumer,
        KafkaProducer<String, String> producer,
        String deadLetterTopic,
        Consumer<JsonNode> handle) {
      this.consumer = consumer;
      this.producer = producer;
      this.deadLetterTopic = deadLetterTopic;
      this.handle = handle;
    }

    private void commit(ConsumerRecord<String, String> record) {
      consumer.commitSync(
          Map.of(
              new TopicPartition(record.topic(), record.partition()),
              new OffsetAndMetadata(record.offset() + 1)));
    }

    /** Handle one record: "handled", "duplicate", "retry" or "dead-lettered". */
    public String process(ConsumerRecord<String, String> record) throws Exception {
      JsonNode event;
      try {
        event = JSON.readTree(record.value() == null ? "" : record.value());
        if (!event.isObject() || !event.hasNonNull("id")) {
          throw new IllegalArgumentException("no id");
        }
      } catch (JacksonException | IllegalArgumentException error) {
        ProducerRecord<String, String> dead =
            new ProducerRecord<>(deadLetterTopic, record.key(), record.value());
        dead.headers()
            .add("error", error.getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
        producer.send(dead).get(10, TimeUnit.SECONDS);
        commit(record);
        return "dead-lettered";
      }
      String eventId = event.get("id").asString();
      if (seen.contains(eventId)) {
        commit(record);
        return "duplicate";
      }
      try {
        handle.accept(event);
      } catch (TransientError error) {
        consumer.seek(new TopicPartition(record.topic(), record.partition()), record.offset());
        return "retry";
      }
      seen.add(eventId);
      commit(record);
      return "handled";
    }
  }
}
