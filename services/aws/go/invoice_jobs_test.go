// Example tests (delete with example_app/): SQS (moto) with harness.MakeSQSQueue.

package integration

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	exampleapp "integration/example_app"
	"integration/harness"
)

var invoice = exampleapp.InvoiceJob{ID: "inv-1", Customer: "ada@example.com", Amount: 4200}

// flakyInvoices records handled jobs; fails with ErrInvoiceTransient for the first failures calls.
type flakyInvoices struct {
	failures int
	handled  []exampleapp.InvoiceJob
}

func (h *flakyInvoices) handle(job exampleapp.InvoiceJob) error {
	if h.failures > 0 {
		h.failures--
		return fmt.Errorf("PDF renderer busy: %w", exampleapp.ErrInvoiceTransient)
	}
	h.handled = append(h.handled, job)
	return nil
}

func messagesLeft(t *testing.T, client *sqs.Client, queueURL string) int {
	t.Helper()
	found, err := client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, value := range found.Attributes {
		n, _ := strconv.Atoi(value)
		total += n
	}
	return total
}

func sendInvoice(t *testing.T, client *sqs.Client, queueURL string) {
	t.Helper()
	if _, err := exampleapp.SendInvoiceJob(context.Background(), client, queueURL, invoice); err != nil {
		t.Fatal(err)
	}
}

func processInvoice(t *testing.T, worker *exampleapp.InvoiceWorker, client *sqs.Client, queueURL string, message types.Message) string {
	t.Helper()
	outcome, err := worker.Process(context.Background(), client, queueURL, message)
	if err != nil {
		t.Fatal(err)
	}
	return outcome
}

func TestSentInvoiceJobIsHandledAndDeleted(t *testing.T) {
	t.Parallel()
	client := harness.SQSClient(t)
	queue := harness.MakeSQSQueue(t, "invoices")
	handler := &flakyInvoices{}
	sendInvoice(t, client, queue)

	outcome := processInvoice(t, &exampleapp.InvoiceWorker{Handle: handler.handle}, client, queue, harness.ReceiveOne(t, client, queue, 5*time.Second))

	if outcome != "handled" || !reflect.DeepEqual(handler.handled, []exampleapp.InvoiceJob{invoice}) {
		t.Fatalf("outcome %s, handled %v", outcome, handler.handled)
	}
	if left := messagesLeft(t, client, queue); left != 0 {
		t.Fatalf("%d messages left", left)
	}
}

func TestPoisonInvoiceIsMovedToTheDeadLetterQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := harness.SQSClient(t)
	queue := harness.MakeSQSQueue(t, "invoices", harness.DeadLetterAfter(1))
	handler := &flakyInvoices{}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queue), MessageBody: aws.String("{not json")}); err != nil {
		t.Fatal(err)
	}

	outcome := processInvoice(t, &exampleapp.InvoiceWorker{Handle: handler.handle}, client, queue, harness.ReceiveOne(t, client, queue, 5*time.Second))

	if outcome != "rejected" {
		t.Fatalf("outcome %s", outcome)
	}
	// SQS moves a message past its last allowed receive on the next receive attempt.
	again, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), WaitTimeSeconds: 1})
	if err != nil || len(again.Messages) != 0 {
		t.Fatalf("received again: %v (%v)", again, err)
	}
	dead := harness.ReceiveOne(t, client, harness.DeadLetterQueueURL(t, client, queue), 5*time.Second)
	if aws.ToString(dead.Body) != "{not json" || len(handler.handled) != 0 {
		t.Fatalf("dead letter %q, handled %v", aws.ToString(dead.Body), handler.handled)
	}
}

func TestTransientFailureIsReceivedAgainThenHandled(t *testing.T) {
	t.Parallel()
	client := harness.SQSClient(t)
	queue := harness.MakeSQSQueue(t, "invoices", harness.DeadLetterAfter(3))
	handler := &flakyInvoices{failures: 1}
	worker := &exampleapp.InvoiceWorker{Handle: handler.handle}
	sendInvoice(t, client, queue)

	if outcome := processInvoice(t, worker, client, queue, harness.ReceiveOne(t, client, queue, 5*time.Second)); outcome != "retry" {
		t.Fatalf("first outcome %s", outcome)
	}
	again := harness.ReceiveOne(t, client, queue, 5*time.Second)
	if count := again.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)]; count != "2" {
		t.Fatalf("receive count %q", count)
	}
	if outcome := processInvoice(t, worker, client, queue, again); outcome != "handled" {
		t.Fatalf("second outcome %s", outcome)
	}

	if !reflect.DeepEqual(handler.handled, []exampleapp.InvoiceJob{invoice}) {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestSameInvoiceJobTwiceHasOneEffect(t *testing.T) {
	t.Parallel()
	client := harness.SQSClient(t)
	queue := harness.MakeSQSQueue(t, "invoices")
	handler := &flakyInvoices{}
	worker := &exampleapp.InvoiceWorker{Handle: handler.handle}
	sendInvoice(t, client, queue)
	sendInvoice(t, client, queue)

	outcomes := []string{
		processInvoice(t, worker, client, queue, harness.ReceiveOne(t, client, queue, 5*time.Second)),
		processInvoice(t, worker, client, queue, harness.ReceiveOne(t, client, queue, 5*time.Second)),
	}

	if !reflect.DeepEqual(outcomes, []string{"handled", "duplicate"}) || !reflect.DeepEqual(handler.handled, []exampleapp.InvoiceJob{invoice}) {
		t.Fatalf("outcomes %v, handled %v", outcomes, handler.handled)
	}
}
