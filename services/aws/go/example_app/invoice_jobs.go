// Example component (delete me): invoice jobs over SQS, each handled once.
//
// A message that is not valid JSON is made visible again at once: the queue's
// redrive policy moves it to the dead-letter queue after its last allowed receive.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// ErrInvoiceTransient is a failure that may pass if the job is delivered again.
var ErrInvoiceTransient = errors.New("transient invoice failure")

// InvoiceJob is one invoice to render and send.
type InvoiceJob struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Amount   int    `json:"amount"`
}

// SendInvoiceJob sends job as JSON; the SQS message id.
func SendInvoiceJob(ctx context.Context, client *sqs.Client, queueURL string, job InvoiceJob) (string, error) {
	body, err := json.Marshal(job)
	if err != nil {
		return "", err
	}
	sent, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(body))})
	if err != nil {
		return "", err
	}
	return aws.ToString(sent.MessageId), nil
}

// InvoiceWorker deletes what it handled and makes a failed job visible again at once.
type InvoiceWorker struct {
	Handle func(InvoiceJob) error
	seen   map[string]bool
}

func retryNow(ctx context.Context, client *sqs.Client, queueURL string, message types.Message) error {
	_, err := client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(queueURL), ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0,
	})
	return err
}

// Process handles one message: "handled", "duplicate", "retry" or "rejected".
func (w *InvoiceWorker) Process(ctx context.Context, client *sqs.Client, queueURL string, message types.Message) (string, error) {
	var job InvoiceJob
	if err := json.Unmarshal([]byte(aws.ToString(message.Body)), &job); err != nil || job.ID == "" {
		return "rejected", retryNow(ctx, client, queueURL, message)
	}
	remove := func(outcome string) (string, error) {
		_, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: message.ReceiptHandle})
		return outcome, err
	}
	if w.seen[job.ID] {
		return remove("duplicate")
	}
	if err := w.Handle(job); err != nil {
		if !errors.Is(err, ErrInvoiceTransient) {
			return "", err
		}
		return "retry", retryNow(ctx, client, queueURL, message)
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[job.ID] = true
	return remove("handled")
}
