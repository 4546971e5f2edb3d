// Example tests (delete with example_app/): Redis Streams with `makeRedisStream`.
import { enqueue, JobWorker, TransientError, type Job } from "./example_app/jobQueue";
import { expect, test } from "./harness/fixtures";

const JOB: Job = { id: "job-1", kind: "resize", image: "cat.png" };

/** Records handled jobs; throws TransientError for the first `failures` calls. */
function flakyHandler(failures = 0) {
  const handled: Job[] = [];
  const handle = async (job: Job) => {
    if (failures > 0) {
      failures -= 1;
      throw new TransientError("image service busy");
    }
    handled.push(job);
  };
  return { handle, handled };
}

test("enqueued job is handled and acknowledged", async ({ redis, makeRedisStream }) => {
  const { handle, handled } = flakyHandler();
  const worker = new JobWorker(redis, makeRedisStream("jobs"), handle);
  await worker.createGroup();
  await enqueue(redis, worker.stream, JOB);

  expect(await worker.workOnce()).toEqual(["handled"]);

  expect(handled).toEqual([JOB]);
  expect(await redis.xpending(worker.stream, "workers")).toEqual([0, null, null, null]);
});

test("unreadable job is dead-lettered", async ({ redis, makeRedisStream }) => {
  const worker = new JobWorker(redis, makeRedisStream("jobs"), flakyHandler().handle);
  await worker.createGroup();
  await redis.xadd(worker.stream, "*", "body", "{not json");

  expect(await worker.workOnce()).toEqual(["dead-lettered"]);

  const dead = await redis.xrange(worker.deadLetters, "-", "+");
  expect(dead.map(([, fields]) => fields)).toEqual([["body", "{not json"]]);
});

test("failed job is retried then handled", async ({ redis, makeRedisStream }) => {
  const { handle, handled } = flakyHandler(1);
  const worker = new JobWorker(redis, makeRedisStream("jobs"), handle);
  await worker.createGroup();
  await enqueue(redis, worker.stream, JOB);

  expect(await worker.workOnce()).toEqual(["left pending"]);
  expect(await worker.workOnce()).toEqual(["handled"]);

  expect(handled).toEqual([JOB]);
});

test("job failing every time is dead-lettered", async ({ redis, makeRedisStream }) => {
  const worker = new JobWorker(redis, makeRedisStream("jobs"), flakyHandler(99).handle);
  await worker.createGroup();
  await enqueue(redis, worker.stream, JOB);

  expect([...(await worker.workOnce()), ...(await worker.workOnce())]).toEqual(["left pending", "dead-lettered"]);

  expect(await redis.xlen(worker.deadLetters)).toBe(1);
});

test("same job twice has one effect", async ({ redis, makeRedisStream }) => {
  const { handle, handled } = flakyHandler();
  const worker = new JobWorker(redis, makeRedisStream("jobs"), handle);
  await worker.createGroup();
  await enqueue(redis, worker.stream, JOB);
  await enqueue(redis, worker.stream, JOB);

  expect(await worker.workOnce()).toEqual(["handled", "duplicate"]);

  expect(handled).toEqual([JOB]);
});
