// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Kafka fixtures: `kafkaBootstrapServers`, `kafka`, `kafkaProducer`, `makeKafkaTopic`,
 * `makeKafkaConsumer`.
 *
 * Isolation: tests never share a topic or a consumer group. `makeKafkaTopic`
 * creates uniquely named topics (`test-w<worker>-<purpose>-<random>`) and
 * `makeKafkaConsumer` joins uniquely named groups; after the test the consumers
 * are disconnected and the groups and topics deleted. Kafka deletes topics
 * asynchronously, so a name is never reused.
 */
import { Kafka, logLevel, type Consumer, type EachMessagePayload, type Producer } from "kafkajs";
import type { TestAPI } from "vitest";
import { uniqueTestName, workerId } from "./naming";
import { NotReady } from "./readiness";
import { ensureDisposable, guardedUrl } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("kafka");

function brokers(servers: string): string[] {
  return servers.split(",").map((server) => server.trim().replace(/^\w+:\/\//, "")).filter(Boolean);
}

/** Refuse the servers unless every host is a disposable test service (see `safety`). */
export async function guard(servers: string, settings: Settings): Promise<void> {
  const hosts = brokers(servers).map((broker) => {
    const match = /^(.*):(\d+)$/.exec(broker);
    if (!match) throw new Error(`${SERVICE.urlVar}: expected host:port[,host:port], not ${broker}`);
    return match[1];
  });
  await ensureDisposable(SERVICE.title, servers, hosts, settings.allowedHosts);
}

/** Fetch the cluster's metadata; describe it, or throw NotReady. */
export async function probe(servers: string, timeoutSeconds: number): Promise<string> {
  const admin = new Kafka({
    clientId: "integration-harness-probe",
    brokers: brokers(servers),
    connectionTimeout: timeoutSeconds * 1000,
    authenticationTimeout: timeoutSeconds * 1000,
    requestTimeout: timeoutSeconds * 1000, // a broker that accepts TCP and never answers
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return `${SERVICE.title}, ${cluster.brokers.length} broker${cluster.brokers.length === 1 ? "" : "s"}`;
  } catch (error) {
    throw new NotReady(error instanceof Error ? error.message : String(error));
  } finally {
    await admin.disconnect();
  }
}

/** Messages a consumer (in group `groupId`) received, in order, with a wait for the next one. */
export class KafkaReader {
  private readonly received: EachMessagePayload[] = [];

  constructor(
    readonly consumer: Consumer,
    readonly groupId: string,
  ) {}

  push(payload: EachMessagePayload): void {
    this.received.push(payload);
  }

  /** The next message, waiting up to `timeoutMs` (a group join takes a moment); throws otherwise. */
  async next(timeoutMs = 10_000): Promise<EachMessagePayload> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const payload = this.received.shift();
      if (payload) return payload;
      if (Date.now() >= deadline) throw new Error(`no message arrived within ${timeoutMs / 1000}s`);
      await new Promise((done) => setTimeout(done, 10));
    }
  }
}

/** The offset group `groupId` committed for partition 0 of `topic` (-1: nothing yet). */
export async function committedOffset(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(partitions.find((p) => p.partition === 0)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

export interface KafkaFixtures {
  /** Worker: `host:port` of a ready Kafka broker (`TEST_KAFKA_BOOTSTRAP_SERVERS`). */
  kafkaBootstrapServers: string;
  /** Worker: a kafkajs client on those brokers. */
  kafka: Kafka;
  /** Per test: an idempotent producer, disconnected after the test. */
  kafkaProducer: Producer;
  /** Per test: `makeKafkaTopic(purpose, partitions)`: a unique topic, deleted after the test. */
  makeKafkaTopic: (purpose?: string, partitions?: number) => Promise<string>;
  /** Per test: `makeKafkaConsumer(topic)`: a reader in a group of its own (manual commits), removed after the test. */
  makeKafkaConsumer: (topic: string) => Promise<KafkaReader>;
}

/** `test` with the Kafka fixtures. */
export function withKafka<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<KafkaFixtures>({
    kafkaBootstrapServers: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    kafka: [
      async ({ kafkaBootstrapServers }, use) => {
        await use(
          new Kafka({
            clientId: `integration-harness-w${workerId()}`,
            brokers: brokers(kafkaBootstrapServers),
            logLevel: logLevel.NOTHING,
          }),
        );
      },
      { scope: "worker" },
    ],
    kafkaProducer: async ({ kafka }, use) => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      await use(producer);
      await producer.disconnect();
    },
    makeKafkaTopic: async ({ kafka, kafkaBootstrapServers, harnessSettings }, use) => {
      const admin = kafka.admin();
      await admin.connect();
      const created: string[] = [];
      await use(async (purpose = "topic", partitions = 1) => {
        const topic = uniqueTestName("makeKafkaTopic", purpose, "-");
        // No waitForLeaders: kafkajs polls for them with a 100 ms back-off, and a client that
        // meets a topic without a leader yet retries on its own.
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
        created.push(topic);
        return topic;
      });
      if (created.length > 0) {
        await guard(kafkaBootstrapServers, harnessSettings);
        await admin.deleteTopics({ topics: created });
      }
      await admin.disconnect();
    },
    makeKafkaConsumer: async ({ kafka, kafkaBootstrapServers, harnessSettings }, use) => {
      const readers: KafkaReader[] = [];
      const groups: string[] = [];
      await use(async (topic: string) => {
        const groupId = uniqueTestName("makeKafkaConsumer", "group", "-");
        const consumer = kafka.consumer({
          groupId,
          sessionTimeout: 6000,
          rebalanceTimeout: 6000,
          allowAutoTopicCreation: false,
          // kafkajs's default (5 s) is how long a fetch waits on the broker for data;
          // seek() and disconnect() wait for the fetch in flight, so each cost a test 5 s.
          maxWaitTimeInMs: 100,
        });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const reader = new KafkaReader(consumer, groupId);
        await consumer.run({ autoCommit: false, eachMessage: async (payload) => reader.push(payload) });
        readers.push(reader);
        groups.push(groupId);
        return reader;
      });
      await Promise.all(readers.map((reader) => reader.consumer.disconnect()));
      if (groups.length > 0) {
        await guard(kafkaBootstrapServers, harnessSettings);
        const admin = kafka.admin();
        await admin.connect();
        await admin.deleteGroups(groups);
        await admin.disconnect();
      }
    },
  });
}
