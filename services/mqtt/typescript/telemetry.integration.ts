// Example tests (delete with example_app/): MQTT with `makeTopic` and `makeClient`.
import { publishReading, TelemetryConsumer, type Reading } from "./example_app/telemetry";
import { expect, test } from "./harness/fixtures";
import { Inbox } from "./harness/mqtt";

const READING: Reading = { id: "r-1", celsius: 21.5 };

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() >= deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

test("published reading is handled", async ({ makeTopic, makeClient, mqttClient }) => {
  const topic = makeTopic("telemetry");
  const handled: Reading[] = [];
  const consumer = new TelemetryConsumer(async (r) => void handled.push(r), `${topic}/dead`);
  await consumer.listen(await makeClient(), `${topic}/readings`);

  await publishReading(mqttClient, `${topic}/readings`, READING);

  await until(() => handled.length === 1, "handling");
  expect(handled).toEqual([READING]);
});

test("unreadable reading is dead-lettered", async ({ makeTopic, makeClient, mqttClient }) => {
  const topic = makeTopic("telemetry");
  const watcher = await makeClient();
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync(`${topic}/dead`, { qos: 1 });
  const consumer = new TelemetryConsumer(async () => undefined, `${topic}/dead`);
  await consumer.listen(await makeClient(), `${topic}/readings`);

  await mqttClient.publishAsync(`${topic}/readings`, "{not json", { qos: 1 });

  expect((await inbox.next(`${topic}/dead`)).payload).toBe("{not json");
  expect(consumer.outcomes).toEqual(["dead-lettered"]);
});

test("same reading twice has one effect", async ({ makeTopic, makeClient, mqttClient }) => {
  const topic = makeTopic("telemetry");
  const handled: Reading[] = [];
  const consumer = new TelemetryConsumer(async (r) => void handled.push(r), `${topic}/dead`);
  await consumer.listen(await makeClient(), `${topic}/readings`);

  await publishReading(mqttClient, `${topic}/readings`, READING);
  await publishReading(mqttClient, `${topic}/readings`, READING);

  await until(() => consumer.outcomes.length === 2, "two deliveries");
  expect(consumer.outcomes).toEqual(["handled", "duplicate"]);
  expect(handled).toEqual([READING]);
});

test("retained status reaches late subscribers", async ({ makeTopic, makeClient, mqttClient }) => {
  const topic = makeTopic("status");
  await mqttClient.publishAsync(`${topic}/device-7`, "online", { qos: 1, retain: true });

  const late = await makeClient();
  const inbox = new Inbox(late);
  await late.subscribeAsync(`${topic}/#`, { qos: 1 });

  const status = await inbox.next(`${topic}/device-7`);
  expect(status).toEqual({ topic: `${topic}/device-7`, payload: "online", retain: true });
});
