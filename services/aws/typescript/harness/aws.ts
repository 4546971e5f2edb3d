// Managed by integration-harness: `copier update` rewrites this file.
/**
 * AWS emulator fixtures (moto): `awsEndpointUrl`, `awsClientConfig`, `makeSqsQueue`,
 * `makeBucket`; and `receiveOne`.
 *
 * Clients always use fixed test credentials and the endpoint from
 * `TEST_AWS_ENDPOINT_URL`, never your AWS profile or environment.
 *
 * Isolation: tests never share a queue or bucket. The factories create uniquely
 * named ones (`test-w<worker>-<purpose>-<random>`) and delete every one of them,
 * messages and objects included, after the test. Queues and buckets a killed run
 * left behind (`uniqueTestName` names created more than an hour ago) are deleted
 * when the next run starts; nothing else is touched.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import type { TestAPI } from "vitest";
import { isLeftoverTestName, uniqueTestName } from "./naming";
import { Misconfigured, NotReady } from "./readiness";
import { ensureDisposableUrl, guardedUrl } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("aws");

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  await ensureDisposableUrl(SERVICE, url, settings.allowedHosts);
}

/** Ask moto's own API; throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
  } catch (error) {
    throw new NotReady(error instanceof Error ? `${error.message} (${String(error.cause ?? "")})` : String(error));
  }
  if (!response.ok) throw new Misconfigured(`HTTP ${response.status} from ${url}/moto-api/: is this a moto server?`);
  return SERVICE.title;
}

/** Empty and delete `bucket` (one page of objects: test buckets hold few). */
async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  if (Contents.length > 0) {
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: Contents.map(({ Key }) => ({ Key })) } }));
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Before the run: delete the queues and buckets killed runs left behind (see `isLeftoverTestName`). */
export async function preflight(url: string): Promise<void> {
  const sqs = new SQSClient(clientConfig(url));
  const s3 = new S3Client(clientConfig(url));
  try {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "test-" }));
    for (const queueUrl of QueueUrls) {
      if (isLeftoverTestName(queueUrl.split("/").at(-1) ?? "", "-")) {
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
      }
    }
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    for (const { Name } of Buckets) {
      if (Name !== undefined && isLeftoverTestName(Name, "-")) await deleteBucket(s3, Name);
    }
  } finally {
    sqs.destroy();
    s3.destroy();
  }
}

/** Client configuration for `endpoint` with the fixed test credentials (SQS and S3 clients). */
export function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  };
}

export interface MakeSqsQueueOptions {
  /** Move a message to a dead-letter queue after this many receives without deletion. */
  deadLetterAfter?: number;
}

export interface AwsFixtures {
  /** Worker: URL of a ready SQS/S3-compatible endpoint (`TEST_AWS_ENDPOINT_URL`). */
  awsEndpointUrl: string;
  /** Worker: `new SQSClient(awsClientConfig)` / `new S3Client(...)`: test credentials, this endpoint. */
  awsClientConfig: ReturnType<typeof clientConfig>;
  /** Per test: `makeSqsQueue(purpose, options)`: a unique SQS queue URL, deleted after the test. */
  makeSqsQueue: (purpose?: string, options?: MakeSqsQueueOptions) => Promise<string>;
  /** Per test: `makeBucket(purpose)`: a new, empty S3 bucket, emptied and deleted after the test. */
  makeBucket: (purpose?: string) => Promise<string>;
}

/** `test` with the AWS emulator fixtures. */
export function withAws<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<AwsFixtures>({
    awsEndpointUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    awsClientConfig: [async ({ awsEndpointUrl }, use) => use(clientConfig(awsEndpointUrl)), { scope: "worker" }],
    makeSqsQueue: async ({ awsClientConfig, awsEndpointUrl, harnessSettings }, use) => {
      const sqs = new SQSClient(awsClientConfig);
      const created: string[] = [];
      const make = async (purpose = "queue", options: MakeSqsQueueOptions = {}): Promise<string> => {
        const attributes: Record<string, string> = { VisibilityTimeout: "30" };
        if (options.deadLetterAfter !== undefined) {
          const deadLetters = await make(`${purpose}-dlq`);
          const { Attributes } = await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: deadLetters, AttributeNames: ["QueueArn"] }),
          );
          attributes.RedrivePolicy = JSON.stringify({
            deadLetterTargetArn: Attributes?.QueueArn,
            maxReceiveCount: String(options.deadLetterAfter),
          });
        }
        const name = uniqueTestName("makeSqsQueue", purpose, "-");
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
        created.push(QueueUrl!);
        return QueueUrl!;
      };
      await use(make);
      await guard(awsEndpointUrl, harnessSettings);
      for (const url of created.reverse()) await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
      sqs.destroy();
    },
    makeBucket: async ({ awsClientConfig, awsEndpointUrl, harnessSettings }, use) => {
      const s3 = new S3Client(awsClientConfig);
      const created: string[] = [];
      await use(async (purpose = "bucket") => {
        const name = uniqueTestName("makeBucket", purpose, "-").replaceAll("_", "-");
        await s3.send(new CreateBucketCommand({ Bucket: name }));
        created.push(name);
        return name;
      });
      await guard(awsEndpointUrl, harnessSettings);
      for (const bucket of created) await deleteBucket(s3, bucket);
      s3.destroy();
    },
  });
}

/** The URL of the dead-letter queue `makeSqsQueue(..., { deadLetterAfter })` made. */
export async function deadLetterQueueUrl(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }),
  );
  const arn: string = JSON.parse(Attributes!.RedrivePolicy!).deadLetterTargetArn;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: arn.split(":").at(-1) }));
  return QueueUrl!;
}

/** The next message on `queueUrl` (long poll up to `seconds`); throws naming the queue. */
export async function receiveOne(sqs: SQSClient, queueUrl: string, seconds = 5): Promise<Message> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: seconds,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
    }),
  );
  if (Messages.length === 0) throw new Error(`no message arrived on ${queueUrl} within ${seconds}s`);
  return Messages[0];
}
