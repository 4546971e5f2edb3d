// Example component (delete me): shipment events on Kafka, each handled once.
//
// Kafka has no dead-letter queue of its own: a message that can never be
// handled is copied to a dead-letter topic and its offset committed, so it no
// longer blocks its partition. A transient failure commits nothing and seeks
// back, so the same message is read again.
import type { Consumer, EachMessagePayload, Producer } from "kafkajs";

/** The handler may succeed if the event is read again. */
export class TransientError extends Error {}

export type ShipmentEvent = { id: string; orderId: number; status: string };

/** Publish `event` as JSON, keyed by its order (one order's events stay in order). */
export async function publishShipment(producer: Producer, topic: string, event: ShipmentEvent): Promise<void> {
  await producer.send({ topic, messages: [{ key: String(event.orderId), value: JSON.stringify(event) }] });
}

/** Commits what it handled; dead-letters what it cannot parse; retries the rest. */
export class ShipmentConsumer {
  readonly seen = new Set<string>();

  constructor(
    private readonly consumer: Consumer,
    private readonly producer: Producer,
    private readonly deadLetterTopic: string,
    private readonly handle: (event: ShipmentEvent) => Promise<void>,
  ) {}

  private async commit({ topic, partition, message }: EachMessagePayload): Promise<void> {
    await this.consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
  }

  /** Handle one message; return "handled", "duplicate", "retry" or "dead-lettered". */
  async process(payload: EachMessagePayload): Promise<string> {
    const { topic, partition, message } = payload;
    let event: ShipmentEvent;
    try {
      event = JSON.parse(message.value?.toString() ?? "") as ShipmentEvent;
      if (typeof event.id !== "string") throw new TypeError("no id");
    } catch (error) {
      await this.producer.send({
        topic: this.deadLetterTopic,
        messages: [{ key: message.key, value: message.value, headers: { error: (error as Error).name } }],
      });
      await this.commit(payload);
      return "dead-lettered";
    }
    if (this.seen.has(event.id)) {
      await this.commit(payload);
      return "duplicate";
    }
    try {
      await this.handle(event);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      this.consumer.seek({ topic, partition, offset: message.offset });
      return "retry";
    }
    this.seen.add(event.id);
    await this.commit(payload);
    return "handled";
  }
}
