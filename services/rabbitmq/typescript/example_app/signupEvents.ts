// Example component (delete me): signup events over RabbitMQ, handled once each.
import type { Channel, ConfirmChannel, GetMessage } from "amqplib";

/** The handler may succeed if the message is delivered again. */
export class TransientError extends Error {}

export type SignupEvent = { id: string; email: string };

/** Publish `event` as persistent JSON to `queue` and wait for the broker's confirm. */
export async function publishSignup(channel: ConfirmChannel, queue: string, event: SignupEvent): Promise<void> {
  channel.sendToQueue(queue, Buffer.from(JSON.stringify(event)), {
    contentType: "application/json",
    persistent: true,
    messageId: event.id,
  });
  await channel.waitForConfirms();
}

/**
 * Acks what it handled; retries a transient failure once; dead-letters the rest.
 * `seen` remembers handled event ids so a redelivered or duplicated event has
 * one effect (kept in memory here; a table in a real service).
 */
export class SignupConsumer {
  readonly seen = new Set<string>();

  constructor(private readonly handle: (event: SignupEvent) => Promise<void>) {}

  /** Handle one delivery; return "handled", "duplicate", "requeued" or "rejected". */
  async process(channel: Channel, message: GetMessage): Promise<string> {
    let event: SignupEvent;
    try {
      event = JSON.parse(message.content.toString()) as SignupEvent;
      if (typeof event.id !== "string") throw new TypeError("no id");
    } catch {
      channel.nack(message, false, false);
      return "rejected";
    }
    if (this.seen.has(event.id)) {
      channel.ack(message);
      return "duplicate";
    }
    try {
      await this.handle(event);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const redelivered = message.fields.redelivered;
      channel.nack(message, false, !redelivered);
      return redelivered ? "rejected" : "requeued";
    }
    this.seen.add(event.id);
    channel.ack(message);
    return "handled";
  }
}
