// Example tests (delete with example_app/): Kafka with `makeKafkaTopic` and `makeKafkaConsumer`.
import { publishShipment, ShipmentConsumer, TransientError, type ShipmentEvent } from "./example_app/shipmentEvents";
import { expect, test as base } from "./harness/fixtures";
import { committedOffset, type KafkaReader } from "./harness/kafka";

const EVENT: ShipmentEvent = { id: "evt-1", orderId: 42, status: "shipped" };

/** Records handled events; throws TransientError for the first `failures` calls. */
function flakyHandler(failures = 0) {
  const handled: ShipmentEvent[] = [];
  const handle = async (event: ShipmentEvent) => {
    if (failures > 0) {
      failures -= 1;
      throw new TransientError("warehouse API busy");
    }
    handled.push(event);
  };
  return { handle, handled };
}

/** A shipments topic, its dead-letter topic, and a reader of the first. */
const test = base.extend<{ shipments: { topic: string; deadLetters: string; reader: KafkaReader } }>({
  shipments: async ({ makeKafkaTopic, makeKafkaConsumer }, use) => {
    const topic = await makeKafkaTopic("shipments");
    await use({ topic, deadLetters: await makeKafkaTopic("shipments-dlq"), reader: await makeKafkaConsumer(topic) });
  },
});

test("published event is handled and committed", async ({ kafka, kafkaProducer, shipments }) => {
  const { topic, deadLetters, reader } = shipments;
  const { handle, handled } = flakyHandler();
  const worker = new ShipmentConsumer(reader.consumer, kafkaProducer, deadLetters, handle);
  await publishShipment(kafkaProducer, topic, EVENT);

  expect(await worker.process(await reader.next())).toBe("handled");

  expect(handled).toEqual([EVENT]);
  expect(await committedOffset(kafka, reader.groupId, topic)).toBe(1);
});

test("poison message goes to the dead-letter topic", async ({ kafka, kafkaProducer, shipments, makeKafkaConsumer }) => {
  const { topic, deadLetters, reader } = shipments;
  const { handle, handled } = flakyHandler();
  const worker = new ShipmentConsumer(reader.consumer, kafkaProducer, deadLetters, handle);
  await kafkaProducer.send({ topic, messages: [{ key: "42", value: "{not json" }] });

  expect(await worker.process(await reader.next())).toBe("dead-lettered");

  const dead = await (await makeKafkaConsumer(deadLetters)).next();
  expect(dead.message.value?.toString()).toBe("{not json");
  expect(dead.message.headers?.error?.toString()).toBe("SyntaxError");
  expect(await committedOffset(kafka, reader.groupId, topic)).toBe(1);
  expect(handled).toEqual([]);
});

test("transient failure is read again then handled", async ({ kafkaProducer, shipments }) => {
  const { topic, deadLetters, reader } = shipments;
  const { handle, handled } = flakyHandler(1);
  const worker = new ShipmentConsumer(reader.consumer, kafkaProducer, deadLetters, handle);
  await publishShipment(kafkaProducer, topic, EVENT);

  const first = await reader.next();
  expect(await worker.process(first)).toBe("retry");
  const again = await reader.next();
  expect(again.message.offset).toBe(first.message.offset);
  expect(await worker.process(again)).toBe("handled");

  expect(handled).toEqual([EVENT]);
});

test("same event twice has one effect", async ({ kafka, kafkaProducer, shipments }) => {
  const { topic, deadLetters, reader } = shipments;
  const { handle, handled } = flakyHandler();
  const worker = new ShipmentConsumer(reader.consumer, kafkaProducer, deadLetters, handle);
  await publishShipment(kafkaProducer, topic, EVENT);
  await publishShipment(kafkaProducer, topic, EVENT);

  const outcomes = [await worker.process(await reader.next()), await worker.process(await reader.next())];

  expect(outcomes).toEqual(["handled", "duplicate"]);
  expect(handled).toEqual([EVENT]);
  expect(await committedOffset(kafka, reader.groupId, topic)).toBe(2);
});
