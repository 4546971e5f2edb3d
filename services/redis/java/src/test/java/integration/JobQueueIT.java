package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import integration.exampleapp.JobQueue;
import integration.exampleapp.JobQueue.TransientError;
import integration.harness.Redis;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Example tests (delete with exampleapp/): Redis Streams with {@code Redis.Streams}. */
class JobQueueIT {
  static final Map<String, String> JOB = Map.of("id", "job-1", "kind", "send-invoice");

  /** Records handled jobs; throws TransientError for the first {@code failures} calls. */
  static final class FlakyHandler implements Consumer<Map<String, String>> {
    int failures;
    final List<Map<String, String>> handled = new ArrayList<>();

    FlakyHandler(int failures) {
      this.failures = failures;
    }

    @Override
    public void accept(Map<String, String> job) {
      if (failures > 0) {
        failures--;
        throw new TransientError("mail server busy");
      }
      handled.add(job);
    }
  }

  String jobs;

  @BeforeEach
  void stream(Redis.Streams streams) {
    jobs = streams.make("jobs");
  }

  JobQueue.Worker workerFor(RedisCommands<String, String> redis, FlakyHandler handler) {
    JobQueue.Worker worker = new JobQueue.Worker(redis, jobs, handler);
    worker.createGroup();
    return worker;
  }

  static List<String> concat(List<String> first, List<String> second) {
    List<String> both = new ArrayList<>(first);
    both.addAll(second);
    return both;
  }

  @Test
  void enqueuedJobIsHandledAndAcknowledged(RedisCommands<String, String> redis) {
    FlakyHandler handler = new FlakyHandler(0);
    JobQueue.Worker worker = workerFor(redis, handler);

    JobQueue.enqueue(redis, jobs, JOB);

    assertEquals(List.of("handled"), worker.workOnce());
    assertEquals(List.of(JOB), handler.handled);
    assertEquals(0, redis.xpending(jobs, worker.group()).getCount());
  }

  @Test
  void unreadableJobIsDeadLettered(RedisCommands<String, String> redis) {
    FlakyHandler handler = new FlakyHandler(0);
    JobQueue.Worker worker = workerFor(redis, handler);
    redis.xadd(jobs, Map.of("body", "{not json"));

    assertEquals(List.of("dead-lettered"), worker.workOnce());

    var dead = redis.xrange(worker.deadLetters(), io.lettuce.core.Range.create("-", "+"));
    assertEquals(1, dead.size());
    assertEquals(Map.of("body", "{not json"), dead.get(0).getBody());
    assertEquals(List.of(), handler.handled);
  }

  @Test
  void failedJobIsRetriedThenHandled(RedisCommands<String, String> redis) {
    FlakyHandler handler = new FlakyHandler(1);
    JobQueue.Worker worker = workerFor(redis, handler);
    JobQueue.enqueue(redis, jobs, JOB);

    List<String> outcomes = concat(worker.workOnce(), worker.workOnce());

    assertEquals(List.of("left pending", "handled"), outcomes);
    assertEquals(List.of(JOB), handler.handled);
  }

  @Test
  void jobFailingEveryTimeIsDeadLettered(RedisCommands<String, String> redis) {
    JobQueue.Worker worker = workerFor(redis, new FlakyHandler(5));
    JobQueue.enqueue(redis, jobs, JOB);

    List<String> outcomes = concat(worker.workOnce(), worker.workOnce());

    assertEquals(List.of("left pending", "dead-lettered"), outcomes);
    assertEquals(1, redis.xlen(worker.deadLetters()));
  }

  @Test
  void sameJobTwiceHasOneEffect(RedisCommands<String, String> redis) {
    FlakyHandler handler = new FlakyHandler(0);
    JobQueue.Worker worker = workerFor(redis, handler);
    JobQueue.enqueue(redis, jobs, JOB);
    JobQueue.enqueue(redis, jobs, JOB);

    assertEquals(List.of("handled", "duplicate"), worker.workOnce());
    assertEquals(List.of(JOB), handler.handled);
  }
}
