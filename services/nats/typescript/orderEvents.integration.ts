// Example tests (delete with example_app/): NATS JetStream with `makeStream`.
import { AckPolicy, type JsMsg, type NatsConnection } from "nats";
import { OrderConsumer, publishOrder, TransientError, type OrderEvent } from "./example_app/orderEvents";
import { expect, test } from "./harness/fixtures";
import type { IsolatedStream } from "./harness/nats";

const EVENT: OrderEvent = { id: "order-1", total: 42 };

/** Records handled events; throws TransientError for the first `failures` calls. */
function flakyHandler(failures = 0) {
  const handled: OrderEvent[] = [];
  const handle = async (event: OrderEvent) => {
    if (failures > 0) {
      failures -= 1;
      throw new TransientError("warehouse busy");
    }
    handled.push(event);
  };
  return { handle, handled };
}

/** A reader of `subject` (a durable pull consumer): `next()` gives the next delivery. */
async function reader(nc: NatsConnection, stream: IsolatedStream, subject: string) {
  const durable = `reader-${subject.replace(/\W/g, "-")}`;
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(stream.name, {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    filter_subject: stream.subject(subject),
    ack_wait: 30_000_000_000,
  });
  const consumer = await nc.jetstream().consumers.get(stream.name, durable);
  return {
    async next(): Promise<JsMsg> {
      const msg = await consumer.next({ expires: 5000 });
      if (msg === null) throw new Error(`no message on ${stream.subject(subject)} within 5s`);
      return msg;
    },
  };
}

test("published order is handled and acknowledged", async ({ natsConnection, makeStream }) => {
  const orders = await makeStream("orders");
  const js = natsConnection.jetstream();
  const { handle, handled } = flakyHandler();
  await publishOrder(js, orders.subject("created"), EVENT);

  const created = await reader(natsConnection, orders, "created");

  expect(await new OrderConsumer(handle, orders.subject("dead")).process(js, await created.next())).toBe("handled");
  expect(handled).toEqual([EVENT]);
});

test("same event published twice is stored once", async ({ natsConnection, makeStream }) => {
  const orders = await makeStream("orders");
  const js = natsConnection.jetstream();

  expect(await publishOrder(js, orders.subject("created"), EVENT)).toBe(true);
  expect(await publishOrder(js, orders.subject("created"), EVENT)).toBe(false);

  const info = await (await natsConnection.jetstreamManager()).streams.info(orders.name);
  expect(info.state.messages).toBe(1);
});

test("poison message is dead-lettered", async ({ natsConnection, makeStream }) => {
  const orders = await makeStream("orders");
  const js = natsConnection.jetstream();
  const { handle, handled } = flakyHandler();
  await js.publish(orders.subject("created"), "{not json");
  const created = await reader(natsConnection, orders, "created");
  const dead = await reader(natsConnection, orders, "dead");

  expect(await new OrderConsumer(handle, orders.subject("dead")).process(js, await created.next())).toBe(
    "dead-lettered",
  );

  expect((await dead.next()).string()).toBe("{not json");
  expect(handled).toEqual([]);
});

test("transient failure is redelivered then handled", async ({ natsConnection, makeStream }) => {
  const orders = await makeStream("orders");
  const js = natsConnection.jetstream();
  const { handle, handled } = flakyHandler(1);
  const consumer = new OrderConsumer(handle, orders.subject("dead"));
  await publishOrder(js, orders.subject("created"), EVENT);
  const created = await reader(natsConnection, orders, "created");

  expect(await consumer.process(js, await created.next())).toBe("redelivery requested");
  const again = await created.next();
  expect(again.info.redeliveryCount).toBe(2);
  expect(await consumer.process(js, again)).toBe("handled");

  expect(handled).toEqual([EVENT]);
});
