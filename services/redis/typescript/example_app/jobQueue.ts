// Example component (delete me): a job queue on Redis Streams with a consumer group.
//
// A worker takes new jobs with XREADGROUP and acknowledges them with XACK. A job
// whose handler failed stays pending; the next round reclaims it with
// XAUTOCLAIM (its delivery count goes up) until it is handled or, after
// `maxDeliveries`, moved to a dead-letter stream. Handled job ids are kept in a
// set, so the same job enqueued twice has one effect.
import type { Redis } from "ioredis";

/** The handler may succeed if the job is delivered again. */
export class TransientError extends Error {}

export type Job = { id: string; [key: string]: unknown };
type Entry = [id: string, fields: string[]];

/** Append `job` to `stream`; return the entry id. */
export async function enqueue(redis: Redis, stream: string, job: Job): Promise<string> {
  return (await redis.xadd(stream, "*", "body", JSON.stringify(job)))!;
}

/** One consumer of `group` on `stream`. */
export class JobWorker {
  constructor(
    private readonly redis: Redis,
    readonly stream: string,
    private readonly handle: (job: Job) => Promise<void>,
    private readonly group = "workers",
    private readonly consumer = "worker-1",
    private readonly maxDeliveries = 2,
  ) {}

  get deadLetters(): string {
    return `${this.stream}:dead`;
  }

  get done(): string {
    return `${this.stream}:done`;
  }

  /** Create the consumer group (and the stream) unless they exist. */
  async createGroup(): Promise<void> {
    try {
      await this.redis.xgroup("CREATE", this.stream, this.group, "0", "MKSTREAM");
    } catch (error) {
      if (!String(error).includes("BUSYGROUP")) throw error;
    }
  }

  /** Process pending jobs to retry, or else new ones; return what happened to each. */
  async workOnce(blockMs = 1000): Promise<string[]> {
    const [, claimed] = (await this.redis.xautoclaim(this.stream, this.group, this.consumer, 0, "0", "COUNT", 10)) as [
      string,
      Entry[],
    ];
    let entries = claimed;
    if (entries.length === 0) {
      const reply = (await this.redis.xreadgroup(
        "GROUP", this.group, this.consumer, "COUNT", 10, "BLOCK", blockMs, "STREAMS", this.stream, ">",
      )) as Array<[string, Entry[]]> | null;
      entries = reply?.[0]?.[1] ?? [];
    }
    const outcomes = [];
    for (const [id, fields] of entries) outcomes.push(await this.process(id, fields));
    return outcomes;
  }

  private async deliveries(id: string): Promise<number> {
    const [[, , , times]] = (await this.redis.xpending(this.stream, this.group, id, id, 1)) as Array<
      [string, string, number, number]
    >;
    return Number(times);
  }

  private async finish(id: string, outcome: string): Promise<string> {
    await this.redis.xack(this.stream, this.group, id);
    return outcome;
  }

  private async process(id: string, fields: string[]): Promise<string> {
    let job: Job;
    try {
      job = JSON.parse(fields[fields.indexOf("body") + 1]) as Job;
      if (typeof job.id !== "string") throw new TypeError("no id");
    } catch {
      await this.redis.xadd(this.deadLetters, "*", ...fields);
      return this.finish(id, "dead-lettered");
    }
    if (await this.redis.sismember(this.done, job.id)) return this.finish(id, "duplicate");
    try {
      await this.handle(job);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if ((await this.deliveries(id)) >= this.maxDeliveries) {
        await this.redis.xadd(this.deadLetters, "*", ...fields);
        return this.finish(id, "dead-lettered");
      }
      return "left pending";
    }
    await this.redis.sadd(this.done, job.id);
    return this.finish(id, "handled");
  }
}
