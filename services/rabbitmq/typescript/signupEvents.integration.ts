// Example tests (delete with example_app/): RabbitMQ with `makeQueue`.
import type { ConfirmChannel } from "amqplib";
import { publishSignup, SignupConsumer, TransientError, type SignupEvent } from "./example_app/signupEvents";
import { expect, test as base } from "./harness/fixtures";
import { waitForMessage } from "./harness/rabbitmq";

const EVENT: SignupEvent = { id: "evt-1", email: "ada@example.com" };

/** Records handled events; throws TransientError for the first `failures` calls. */
function flakyHandler(failures = 0) {
  const handled: SignupEvent[] = [];
  const handle = async (event: SignupEvent) => {
    if (failures > 0) {
      failures -= 1;
      throw new TransientError("mail service busy");
    }
    handled.push(event);
  };
  return { handle, handled };
}

/** A signups queue whose rejected messages go to its own dead-letter queue. */
const test = base.extend<{ signups: { queue: string; deadLetters: string } }>({
  signups: async ({ makeQueue }, use) => {
    const deadLetters = await makeQueue("signups-dlq");
    await use({ queue: await makeQueue("signups", { deadLetterTo: deadLetters }), deadLetters });
  },
});

async function deliver(channel: ConfirmChannel, queue: string, consumer: SignupConsumer): Promise<string> {
  return consumer.process(channel, await waitForMessage(channel, queue));
}

test("published signup is handled and acknowledged", async ({ amqpChannel, signups }) => {
  const { handle, handled } = flakyHandler();
  await publishSignup(amqpChannel, signups.queue, EVENT);

  expect(await deliver(amqpChannel, signups.queue, new SignupConsumer(handle))).toBe("handled");

  expect(handled).toEqual([EVENT]);
  expect((await amqpChannel.checkQueue(signups.queue)).messageCount).toBe(0);
});

test("poison message is dead-lettered", async ({ amqpChannel, signups }) => {
  const { handle, handled } = flakyHandler();
  amqpChannel.sendToQueue(signups.queue, Buffer.from("{not json"));
  await amqpChannel.waitForConfirms();

  expect(await deliver(amqpChannel, signups.queue, new SignupConsumer(handle))).toBe("rejected");

  const dead = await waitForMessage(amqpChannel, signups.deadLetters);
  expect(dead.content.toString()).toBe("{not json");
  expect(handled).toEqual([]);
});

test("transient failure is redelivered once then handled", async ({ amqpChannel, signups }) => {
  const { handle, handled } = flakyHandler(1);
  const consumer = new SignupConsumer(handle);
  await publishSignup(amqpChannel, signups.queue, EVENT);

  expect(await deliver(amqpChannel, signups.queue, consumer)).toBe("requeued");
  const again = await waitForMessage(amqpChannel, signups.queue);
  expect(again.fields.redelivered).toBe(true);
  expect(await consumer.process(amqpChannel, again)).toBe("handled");

  expect(handled).toEqual([EVENT]);
});

test("same event twice has one effect", async ({ amqpChannel, signups }) => {
  const { handle, handled } = flakyHandler();
  const consumer = new SignupConsumer(handle);
  await publishSignup(amqpChannel, signups.queue, EVENT);
  await publishSignup(amqpChannel, signups.queue, EVENT);

  const outcomes = [
    await deliver(amqpChannel, signups.queue, consumer),
    await deliver(amqpChannel, signups.queue, consumer),
  ];

  expect(outcomes).toEqual(["handled", "duplicate"]);
  expect(handled).toEqual([EVENT]);
});
