package integration.exampleapp;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Example component (delete me): invoice jobs over SQS, each handled once.
 *
 * <p>{@link InvoiceWorker#process} takes one received message, as a polling loop in the
 * application would hand it over, and says what it did with it.
 */
public final class InvoiceJobs {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private InvoiceJobs() {}

  /** The handler may succeed if the job is delivered again. */
  public static final class TransientError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why it failed this time. */
    public TransientError(String message) {
      super(message);
    }
  }

  /** Send {@code job} (with an {@code id}) as JSON; the SQS message id. */
  public static String sendInvoiceJob(SqsClient sqs, String queueUrl, Map<String, Object> job) {
    return sqs.sendMessage(
            r ->
                r.queueUrl(queueUrl)
                    .messageBody(JSON.writeValueAsString(job))
                    .messageAttributes(
                        Map.of(
                            "job_id",
                            MessageAttributeValue.builder()
                                .dataType("String")
                                .stringValue(String.valueOf(job.get("id")))
                                .build())))
        .messageId();
  }

  /**
   * Deletes what it handled; makes a failed job visible again at once.
   *
   * <p>A message that is not valid JSON is left on the queue too: the queue's redrive policy moves
   * it to the dead-letter queue after its last allowed receive. {@code seen} remembers handled job
   * ids so a duplicated job has one effect (kept in memory here; a table in a real service).
   */
  public static final class InvoiceWorker {
    private final Consumer<JsonNode> handle;
    private final Set<String> seen = new HashSet<>();

    /** A worker giving jobs to {@code handle}. */
    public InvoiceWorker(Consumer<JsonNode> handle) {
      this.handle = handle;
    }

    /** Handle one message: "handled", "duplicate", "retry" or "rejected". */
    public String process(SqsClient sqs, String queueUrl, Message message) {
      String receipt = message.receiptHandle();
      JsonNode job;
      try {
        job = JSON.readTree(message.body());
        if (!job.isObject() || !job.hasNonNull("id")) {
          throw new IllegalArgumentException("no id");
        }
      } catch (JacksonException | IllegalArgumentException poison) {
        sqs.changeMessageVisibility(
            r -> r.queueUrl(queueUrl).receiptHandle(receipt).visibilityTimeout(0));
        return "rejected";
      }
      String jobId = job.get("id").asString();
      if (seen.contains(jobId)) {
        sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(receipt));
        return "duplicate";
      }
      try {
        handle.accept(job);
      } catch (TransientError error) {
        sqs.changeMessageVisibility(
            r -> r.queueUrl(queueUrl).receiptHandle(receipt).visibilityTimeout(0));
        return "retry";
      }
      seen.add(jobId);
      sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(receipt));
      return "handled";
    }
  }
}
