package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.InvoiceJobs;
import integration.exampleapp.InvoiceJobs.InvoiceWorker;
import integration.exampleapp.InvoiceJobs.TransientError;
import integration.harness.Aws;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import tools.jackson.databind.JsonNode;

/** Example tests (delete with exampleapp/): SQS (moto) with {@code Aws.Queues}. */
class InvoiceJobsIT {
  static final Map<String, Object> JOB =
      Map.of("id", "inv-1", "customer", "ada@example.com", "amount", 4200);

  /** Records handled job ids; throws TransientError for the first {@code failures} calls. */
  static final class FlakyHandler implements Consumer<JsonNode> {
    int failures;
    final List<String> handled = new ArrayList<>();

    FlakyHandler(int failures) {
      this.failures = failures;
    }

    @Override
    public void accept(JsonNode job) {
      if (failures > 0) {
        failures--;
        throw new TransientError("PDF renderer busy");
      }
      handled.add(job.get("id").asString());
    }
  }

  SqsClient sqs;
  Aws.Queues queues;

  @BeforeEach
  void sqs(SqsClient client, Aws.Queues queues) {
    this.sqs = client;
    this.queues = queues;
  }

  int messagesLeft(String queueUrl) {
    return sqs
        .getQueueAttributes(
            r ->
                r.queueUrl(queueUrl)
                    .attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
        .attributes()
        .values()
        .stream()
        .mapToInt(Integer::parseInt)
        .sum();
  }

  @Test
  void sentJobIsHandledAndDeleted() {
    String queue = queues.make("invoices");
    FlakyHandler handler = new FlakyHandler(0);
    InvoiceJobs.sendInvoiceJob(sqs, queue, JOB);

    String outcome = new InvoiceWorker(handler).process(sqs, queue, Aws.receiveOne(sqs, queue));

    assertEquals("handled", outcome);
    assertEquals(List.of("inv-1"), handler.handled);
    assertEquals(0, messagesLeft(queue));
  }

  @Test
  void poisonMessageIsMovedToTheDeadLetterQueue() {
    String queue = queues.make("invoices", 1);
    FlakyHandler handler = new FlakyHandler(0);
    sqs.sendMessage(r -> r.queueUrl(queue).messageBody("{not json"));

    String outcome = new InvoiceWorker(handler).process(sqs, queue, Aws.receiveOne(sqs, queue));

    assertEquals("rejected", outcome);
    // SQS moves a message past its last allowed receive on the next receive attempt.
    assertTrue(
        sqs.receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(1)).messages().isEmpty());
    Message dead = Aws.receiveOne(sqs, Aws.deadLetterQueueUrl(sqs, queue));
    assertEquals("{not json", dead.body());
    assertEquals(0, messagesLeft(queue));
    assertEquals(List.of(), handler.handled);
  }

  @Test
  void transientFailureIsReceivedAgainThenHandled() {
    String queue = queues.make("invoices", 3);
    FlakyHandler handler = new FlakyHandler(1);
    InvoiceWorker worker = new InvoiceWorker(handler);
    InvoiceJobs.sendInvoiceJob(sqs, queue, JOB);

    assertEquals("retry", worker.process(sqs, queue, Aws.receiveOne(sqs, queue)));
    Message again = Aws.receiveOne(sqs, queue);
    assertEquals(
        "2", again.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT));
    assertEquals("handled", worker.process(sqs, queue, again));

    assertEquals(List.of("inv-1"), handler.handled);
  }

  @Test
  void sameJobTwiceHasOneEffect() {
    String queue = queues.make("invoices");
    FlakyHandler handler = new FlakyHandler(0);
    InvoiceWorker worker = new InvoiceWorker(handler);
    InvoiceJobs.sendInvoiceJob(sqs, queue, JOB);
    InvoiceJobs.sendInvoiceJob(sqs, queue, JOB);

    List<String> outcomes =
        List.of(
            worker.process(sqs, queue, Aws.receiveOne(sqs, queue)),
            worker.process(sqs, queue, Aws.receiveOne(sqs, queue)));

    assertEquals(List.of("handled", "duplicate"), outcomes);
    assertEquals(List.of("inv-1"), handler.handled);
    assertEquals(0, messagesLeft(queue));
  }
}
