// Example tests (delete with example_app/): SQS (moto) with `makeSqsQueue`.
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { InvoiceWorker, sendInvoiceJob, TransientError, type InvoiceJob } from "./example_app/invoiceJobs";
import { deadLetterQueueUrl, receiveOne } from "./harness/aws";
import { expect, test as base } from "./harness/fixtures";

const JOB: InvoiceJob = { id: "inv-1", customer: "ada@example.com", amount: 4200 };

const test = base.extend<{ sqs: SQSClient }>({
  sqs: async ({ awsClientConfig }, use) => {
    const sqs = new SQSClient(awsClientConfig);
    await use(sqs);
    sqs.destroy();
  },
});

/** Records handled jobs; throws TransientError for the first `failures` calls. */
function flakyHandler(failures = 0) {
  const handled: InvoiceJob[] = [];
  const handle = async (job: InvoiceJob) => {
    if (failures > 0) {
      failures -= 1;
      throw new TransientError("PDF renderer busy");
    }
    handled.push(job);
  };
  return { handle, handled };
}

async function messagesLeft(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
}

test("sent job is handled and deleted", async ({ sqs, makeSqsQueue }) => {
  const queue = await makeSqsQueue("invoices");
  const { handle, handled } = flakyHandler();
  await sendInvoiceJob(sqs, queue, JOB);

  expect(await new InvoiceWorker(handle).process(sqs, queue, await receiveOne(sqs, queue))).toBe("handled");

  expect(handled).toEqual([JOB]);
  expect(await messagesLeft(sqs, queue)).toBe(0);
});

test("poison message is moved to the dead-letter queue", async ({ sqs, makeSqsQueue }) => {
  const queue = await makeSqsQueue("invoices", { deadLetterAfter: 1 });
  const { handle, handled } = flakyHandler();
  await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: "{not json" }));

  expect(await new InvoiceWorker(handle).process(sqs, queue, await receiveOne(sqs, queue))).toBe("rejected");

  // SQS moves a message past its last allowed receive on the next receive attempt.
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 1 }));
  expect(Messages).toEqual([]);
  expect((await receiveOne(sqs, await deadLetterQueueUrl(sqs, queue))).Body).toBe("{not json");
  expect(handled).toEqual([]);
});

test("transient failure is received again then handled", async ({ sqs, makeSqsQueue }) => {
  const queue = await makeSqsQueue("invoices", { deadLetterAfter: 3 });
  const { handle, handled } = flakyHandler(1);
  const worker = new InvoiceWorker(handle);
  await sendInvoiceJob(sqs, queue, JOB);

  expect(await worker.process(sqs, queue, await receiveOne(sqs, queue))).toBe("retry");
  const again = await receiveOne(sqs, queue);
  expect(again.Attributes?.ApproximateReceiveCount).toBe("2");
  expect(await worker.process(sqs, queue, again)).toBe("handled");

  expect(handled).toEqual([JOB]);
});

test("same job twice has one effect", async ({ sqs, makeSqsQueue }) => {
  const queue = await makeSqsQueue("invoices");
  const { handle, handled } = flakyHandler();
  const worker = new InvoiceWorker(handle);
  await sendInvoiceJob(sqs, queue, JOB);
  await sendInvoiceJob(sqs, queue, JOB);

  const outcomes = [
    await worker.process(sqs, queue, await receiveOne(sqs, queue)),
    await worker.process(sqs, queue, await receiveOne(sqs, queue)),
  ];

  expect(outcomes).toEqual(["handled", "duplicate"]);
  expect(handled).toEqual([JOB]);
});
