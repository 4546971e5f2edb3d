// Example component (delete me): device telemetry over MQTT, each reading handled once.
//
// Readings it can never handle go to a dead-letter topic; a reading seen before
// (MQTT QoS 1 delivers at least once) has no second effect.
import type { MqttClient } from "mqtt";

export type Reading = { id: string; celsius: number };

/** Publish `reading` at QoS 1; resolves when the broker has it. */
export async function publishReading(client: MqttClient, topic: string, reading: Reading): Promise<void> {
  await client.publishAsync(topic, JSON.stringify(reading), { qos: 1 });
}

/** Handles readings from `topic`; moves unreadable ones to `deadLetterTopic`. */
export class TelemetryConsumer {
  readonly seen = new Set<string>();
  readonly outcomes: string[] = [];

  constructor(
    private readonly handle: (reading: Reading) => Promise<void>,
    private readonly deadLetterTopic: string,
  ) {}

  private processing: Promise<unknown> = Promise.resolve();

  /** Subscribe `client` to `topic` and process every message that arrives, one at a time. */
  async listen(client: MqttClient, topic: string): Promise<void> {
    client.on("message", (messageTopic, payload) => {
      if (messageTopic !== topic) return;
      this.processing = this.processing.then(async () => this.outcomes.push(await this.process(client, payload)));
    });
    await client.subscribeAsync(topic, { qos: 1 });
  }

  /** Handle one message; return "handled", "duplicate" or "dead-lettered". */
  async process(client: MqttClient, payload: Buffer): Promise<string> {
    let reading: Reading;
    try {
      reading = JSON.parse(payload.toString()) as Reading;
      if (typeof reading.id !== "string") throw new TypeError("no id");
    } catch {
      await client.publishAsync(this.deadLetterTopic, payload, { qos: 1 });
      return "dead-lettered";
    }
    if (this.seen.has(reading.id)) return "duplicate";
    await this.handle(reading);
    this.seen.add(reading.id);
    return "handled";
  }
}
