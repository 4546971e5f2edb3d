// Example component (delete me): order events over NATS JetStream, each handled once.
//
// Publishing sets the message id to the event id, so JetStream itself drops a
// second publish of the same event within its duplicate window. The consumer
// acknowledges what it handled, asks for redelivery after a transient failure,
// and moves what it cannot handle to a dead-letter subject.
import type { JetStreamClient, JsMsg } from "nats";

/** The handler may succeed if the message is delivered again. */
export class TransientError extends Error {}

export type OrderEvent = { id: string; total: number };

/** Publish `event`; false when JetStream dropped it as a duplicate. */
export async function publishOrder(js: JetStreamClient, subject: string, event: OrderEvent): Promise<boolean> {
  const ack = await js.publish(subject, JSON.stringify(event), { msgID: event.id });
  return !ack.duplicate;
}

/** Handles order events; gives up on a message after `maxDeliveries` attempts. */
export class OrderConsumer {
  constructor(
    private readonly handle: (event: OrderEvent) => Promise<void>,
    private readonly deadLetterSubject: string,
    private readonly maxDeliveries = 2,
  ) {}

  private async deadLetter(js: JetStreamClient, msg: JsMsg): Promise<string> {
    await js.publish(this.deadLetterSubject, msg.data);
    msg.term();
    return "dead-lettered";
  }

  /** Handle one delivery; return "handled", "redelivery requested" or "dead-lettered". */
  async process(js: JetStreamClient, msg: JsMsg): Promise<string> {
    let event: OrderEvent;
    try {
      event = msg.json<OrderEvent>();
      if (typeof event.id !== "string") throw new TypeError("no id");
    } catch {
      return this.deadLetter(js, msg);
    }
    try {
      await this.handle(event);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (msg.info.redeliveryCount >= this.maxDeliveries) return this.deadLetter(js, msg);
      msg.nak();
      return "redelivery requested";
    }
    await msg.ackAck(); // wait for the server: no second delivery after this
    return "handled";
  }
}
