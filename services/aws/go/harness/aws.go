// Managed by integration-harness: `copier update` rewrites this file.

package harness

// AWS helpers (aws-sdk-go-v2 on moto): AWSEndpointURL, SQSClient, MakeSQSQueue,
// DeadLetterQueueURL, ReceiveOne; S3Client, MakeBucket.
//
// Isolation: tests never share a queue or bucket. MakeSQSQueue creates uniquely
// named SQS queues (test-p<pid>-<purpose>-<stamp><random>), optionally with a
// dead-letter queue, and deletes them with their messages after the test;
// MakeBucket creates S3 buckets named the same way and empties and deletes them
// after the test. Before the first test, queues and buckets with such names older
// than an hour (a killed run's) are deleted; nothing else is touched.
// Clients always use the fixed test credentials, never yours.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

var (
	awsTitle  = catalogueTitle("aws")
	awsURLVar = catalogueURLVar("aws")
)

func init() {
	register("aws", module{guard: awsGuard, probe: awsProbe, preflight: awsPreflight})
}

func awsGuard(raw string, settings *Settings) error {
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") {
		return fmt.Errorf("%s must be an http:// URL, not %s", awsURLVar, Redact(raw))
	}
	return EnsureDisposable(awsTitle, raw, []string{parsed.Hostname()}, settings.AllowedHosts())
}

func awsProbe(ctx context.Context, raw string) (string, error) {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(raw, "/")+"/moto-api/", nil)
	if err != nil {
		return "", &Misconfigured{err}
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return "", err
	}
	response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return "", &Misconfigured{fmt.Errorf("HTTP %d from %s/moto-api/: is this a moto server?", response.StatusCode, raw)}
	}
	return "moto (SQS, S3)", nil
}

// AWSConfig is an aws.Config on endpoint with the fixed test credentials (region us-east-1).
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(strings.TrimRight(endpoint, "/")),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "integration-harness"}, nil
		}),
		RetryMaxAttempts: 1,
	}
}

func awsPreflight(ctx context.Context, raw string, _ *Settings, _ RunContext) error {
	client := sqs.NewFromConfig(AWSConfig(raw))
	listed, err := client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("test-")})
	if err != nil {
		return err
	}
	for _, queueURL := range listed.QueueUrls {
		name := queueURL[strings.LastIndex(queueURL, "/")+1:]
		if IsLeftoverTestName(name, "-", time.Now()) {
			if _, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(queueURL)}); err != nil {
				return err
			}
		}
	}
	buckets := newS3Client(raw)
	listedBuckets, err := buckets.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		return err
	}
	for _, bucket := range listedBuckets.Buckets {
		if IsLeftoverTestName(aws.ToString(bucket.Name), "-", time.Now()) {
			if err := deleteBucket(ctx, buckets, aws.ToString(bucket.Name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// AWSEndpointURL is the URL of a ready SQS/S3-compatible endpoint (moto, TEST_AWS_ENDPOINT_URL).
func AWSEndpointURL(t testingTB) string {
	t.Helper()
	return serviceURL(t, "aws", awsURLVar)
}

// SQSClient is an SQS client on that endpoint with the test credentials.
func SQSClient(t testingTB) *sqs.Client {
	t.Helper()
	return sqs.NewFromConfig(AWSConfig(AWSEndpointURL(t)))
}

// DeadLetterAfter moves a message to a dead-letter queue of its own after this many receives.
type DeadLetterAfter int

// MakeSQSQueue creates a uniquely named queue (with a dead-letter queue when deadLetterAfter
// is given), deleted with its messages after the test; its URL.
func MakeSQSQueue(t testingTB, purpose string, deadLetterAfter ...DeadLetterAfter) string {
	t.Helper()
	client := SQSClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	attributes := map[string]string{"VisibilityTimeout": "30"}
	if len(deadLetterAfter) > 0 {
		deadLetters := MakeSQSQueue(t, purpose+"-dlq")
		found, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(deadLetters), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
		})
		if err != nil {
			t.Fatal(err)
		}
		policy, _ := json.Marshal(map[string]string{
			"deadLetterTargetArn": found.Attributes["QueueArn"],
			"maxReceiveCount":     strconv.Itoa(int(deadLetterAfter[0])),
		})
		attributes["RedrivePolicy"] = string(policy)
	}
	name := UniqueTestName("MakeSQSQueue", purpose, "-")
	created, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attributes})
	if err != nil {
		t.Fatalf("creating queue %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := awsGuard(AWSEndpointURL(t), settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if _, err := client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: created.QueueUrl}); err != nil {
			t.Errorf("integration-harness: deleting queue %s after the test: %v", name, err)
		}
	})
	return aws.ToString(created.QueueUrl)
}

// DeadLetterQueueURL is the URL of the dead-letter queue MakeSQSQueue(..., DeadLetterAfter(n)) made.
func DeadLetterQueueURL(t testingTB, client *sqs.Client, queueURL string) string {
	t.Helper()
	ctx := context.Background()
	found, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
	})
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if err := json.Unmarshal([]byte(found.Attributes["RedrivePolicy"]), &policy); err != nil {
		t.Fatal(err)
	}
	name := policy.DeadLetterTargetArn[strings.LastIndex(policy.DeadLetterTargetArn, ":")+1:]
	queue, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(queue.QueueUrl)
}

// ReceiveOne is the next message on queueURL (long poll up to wait); t fails naming the queue.
func ReceiveOne(t testingTB, client *sqs.Client, queueURL string, wait time.Duration) types.Message {
	t.Helper()
	received, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(queueURL),
		MaxNumberOfMessages:         1,
		WaitTimeSeconds:             int32(wait.Seconds()),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(received.Messages) == 0 {
		t.Fatalf("no message arrived on %s within %gs", queueURL, wait.Seconds())
	}
	return received.Messages[0]
}

// newS3Client is an S3 client on endpoint with the test credentials, addressing buckets
// by path (http://host/bucket/key): an emulator on 127.0.0.1 has no bucket subdomains.
func newS3Client(endpoint string) *s3.Client {
	return s3.NewFromConfig(AWSConfig(endpoint), func(options *s3.Options) { options.UsePathStyle = true })
}

// S3Client is an S3 client on that endpoint with the test credentials (path-style addressing).
func S3Client(t testingTB) *s3.Client {
	t.Helper()
	return newS3Client(AWSEndpointURL(t))
}

// deleteBucket deletes every object (and version) in bucket, then the bucket.
func deleteBucket(ctx context.Context, client *s3.Client, bucket string) error {
	pages := s3.NewListObjectVersionsPaginator(client, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		var doomed []s3types.ObjectIdentifier
		for _, version := range page.Versions {
			doomed = append(doomed, s3types.ObjectIdentifier{Key: version.Key, VersionId: version.VersionId})
		}
		for _, marker := range page.DeleteMarkers {
			doomed = append(doomed, s3types.ObjectIdentifier{Key: marker.Key, VersionId: marker.VersionId})
		}
		if len(doomed) > 0 {
			if _, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
				Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: doomed, Quiet: aws.Bool(true)},
			}); err != nil {
				return err
			}
		}
	}
	_, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
	return err
}

// MakeBucket creates a new, empty, uniquely named S3 bucket (test-p<pid>-<purpose>-<stamp><random>,
// "_" becoming "-" as S3 requires), emptied and deleted after the test; its name.
func MakeBucket(t testingTB, purpose string) string {
	t.Helper()
	client := S3Client(t)
	name := strings.ReplaceAll(UniqueTestName("MakeBucket", purpose, "-"), "_", "-")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := awsGuard(AWSEndpointURL(t), settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if err := deleteBucket(ctx, client, name); err != nil {
			t.Errorf("integration-harness: emptying and deleting bucket %s after the test: %v", name, err)
		}
	})
	return name
}
