// Example component (delete me): invoice jobs over SQS, each handled once.
//
// A message that is not valid JSON is made visible again at once: the queue's
// redrive policy moves it to the dead-letter queue after its last allowed receive.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** The handler may succeed if the job is delivered again. */
export class TransientError extends Error {}

export type InvoiceJob = { id: string; customer: string; amount: number };

/** Send `job` as JSON; return the SQS message id. */
export async function sendInvoiceJob(sqs: SQSClient, queueUrl: string, job: InvoiceJob): Promise<string> {
  const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(job) }));
  return MessageId!;
}

/** Deletes what it handled; makes a failed job visible again at once. */
export class InvoiceWorker {
  readonly seen = new Set<string>();

  constructor(private readonly handle: (job: InvoiceJob) => Promise<void>) {}

  private async retryNow(sqs: SQSClient, queueUrl: string, message: Message): Promise<void> {
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }),
    );
  }

  /** Handle one message; return "handled", "duplicate", "retry" or "rejected". */
  async process(sqs: SQSClient, queueUrl: string, message: Message): Promise<string> {
    let job: InvoiceJob;
    try {
      job = JSON.parse(message.Body ?? "") as InvoiceJob;
      if (typeof job.id !== "string") throw new TypeError("no id");
    } catch {
      await this.retryNow(sqs, queueUrl, message);
      return "rejected";
    }
    const remove = () => sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    if (this.seen.has(job.id)) {
      await remove();
      return "duplicate";
    }
    try {
      await this.handle(job);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      await this.retryNow(sqs, queueUrl, message);
      return "retry";
    }
    this.seen.add(job.id);
    await remove();
    return "handled";
  }
}
