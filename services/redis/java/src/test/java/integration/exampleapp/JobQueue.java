package integration.exampleapp;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Example component (delete me): a job queue on Redis Streams with a consumer group.
 *
 * <p>A worker takes new jobs with XREADGROUP and acknowledges them with XACK. A job whose handler
 * failed stays pending; the next round reclaims it with XAUTOCLAIM (its delivery count goes up)
 * until it is handled or, after {@code maxDeliveries}, moved to a dead-letter stream. Handled job
 * ids are kept in a set, so the same job enqueued twice has one effect. A job is the entry's
 * fields, with an {@code id}.
 */
public final class JobQueue {
  private JobQueue() {}

  /** The handler may succeed if the job is delivered again. */
  public static final class TransientError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why it failed this time. */
    public TransientError(String message) {
      super(message);
    }
  }

  /** Append {@code job} (with an {@code id}) to {@code stream}; the entry id. */
  public static String enqueue(RedisCommands<String, String> redis, String stream, Map<String, String> job) {
    return redis.xadd(stream, job);
  }

  /** One consumer of a group on a stream. */
  public static final class Worker {
    private final RedisCommands<String, String> redis;
    private final String stream;
    private final java.util.function.Consumer<Map<String, String>> handle;
    private final String group = "workers";
    private final Consumer<String> consumer;
    private final int maxDeliveries = 2;

    /** A worker giving each job on {@code stream} to {@code handle}. */
    public Worker(
        RedisCommands<String, String> redis,
        String stream,
        java.util.function.Consumer<Map<String, String>> handle) {
      this.redis = redis;
      this.stream = stream;
      this.handle = handle;
      this.consumer = Consumer.from(group, "worker-1");
    }

    /** The consumer group's name. */
    public String group() {
      return group;
    }

    /** Where jobs go that cannot be handled. */
    public String deadLetters() {
      return stream + ":dead";
    }

    private String done() {
      return stream + ":done";
    }

    /** Create the consumer group (and the stream) unless they exist. */
    public void createGroup() {
      try {
        redis.xgroupCreate(
            XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
      } catch (RedisBusyException exists) {
        // BUSYGROUP: created before
      }
    }

    /** Process pending jobs to retry, or else new ones; what happened to each. */
    @SuppressWarnings("unchecked") // Lettuce's xreadgroup takes StreamOffset<K>... (generic varargs)
    public List<String> workOnce() {
      List<StreamMessage<String, String>> entries =
          redis
              .xautoclaim(
                  stream, XAutoClaimArgs.Builder.xautoclaim(consumer, Duration.ZERO, "0-0").count(10))
              .getMessages();
      if (entries.isEmpty()) {
        entries =
            redis.xreadgroup(
                consumer,
                XReadArgs.Builder.count(10).block(1000),
                XReadArgs.StreamOffset.lastConsumed(stream));
      }
      List<String> outcomes = new ArrayList<>();
      for (StreamMessage<String, String> entry : entries) {
        outcomes.add(process(entry));
      }
      return outcomes;
    }

    private long deliveries(String entryId) {
      List<PendingMessage> pending =
          redis.xpending(stream, group, Range.create(entryId, entryId), Limit.from(1));
      return pending.isEmpty() ? 0 : pending.get(0).getRedeliveryCount();
    }

    private String finish(String entryId, String outcome) {
      redis.xack(stream, group, entryId);
      return outcome;
    }

    private String process(StreamMessage<String, String> entry) {
      Map<String, String> job = entry.getBody();
      String jobId = job.get("id");
      if (jobId == null || jobId.isBlank()) {
        redis.xadd(deadLetters(), job);
        return finish(entry.getId(), "dead-lettered");
      }
      if (redis.sismember(done(), jobId)) {
        return finish(entry.getId(), "duplicate");
      }
      try {
        handle.accept(job);
      } catch (TransientError error) {
        if (deliveries(entry.getId()) >= maxDeliveries) {
          redis.xadd(deadLetters(), job);
          return finish(entry.getId(), "dead-lettered");
        }
        return "left pending";
      }
      redis.sadd(done(), jobId);
      return finish(entry.getId(), "handled");
    }
  }
}
