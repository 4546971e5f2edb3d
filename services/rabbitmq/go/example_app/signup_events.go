// Example component (delete me): signup events over RabbitMQ, handled once each.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ErrTransient is a failure that may pass if the message is delivered again.
var ErrTransient = errors.New("transient failure")

// SignupEvent is one signup.
type SignupEvent struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// PublishSignup publishes event as persistent JSON to queue and waits for the broker's confirm
// (channel must be in confirm mode).
func PublishSignup(ctx context.Context, channel *amqp.Channel, queue string, event SignupEvent) error {
	body, err := json.Marshal(event)
	if err != nil {
		return err
	}
	confirm, err := channel.PublishWithDeferredConfirmWithContext(ctx, "", queue, false, false, amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    event.ID,
		Body:         body,
	})
	if err != nil {
		return err
	}
	if acked, err := confirm.WaitContext(ctx); err != nil || !acked {
		return fmt.Errorf("the broker did not confirm event %s (%v)", event.ID, err)
	}
	return nil
}

// SignupConsumer acks what it handled, retries a transient failure once and dead-letters
// the rest. Seen remembers handled event ids so a redelivered or duplicated event has
// one effect (kept in memory here; a table in a real service).
type SignupConsumer struct {
	Handle func(SignupEvent) error
	Seen   map[string]bool
}

// Process handles one delivery: "handled", "duplicate", "requeued" or "rejected".
func (c *SignupConsumer) Process(message amqp.Delivery) (string, error) {
	if c.Seen == nil {
		c.Seen = map[string]bool{}
	}
	var event SignupEvent
	if err := json.Unmarshal(message.Body, &event); err != nil || event.ID == "" {
		return "rejected", message.Nack(false, false)
	}
	if c.Seen[event.ID] {
		return "duplicate", message.Ack(false)
	}
	if err := c.Handle(event); err != nil {
		if !errors.Is(err, ErrTransient) {
			return "", err
		}
		if message.Redelivered {
			return "rejected", message.Nack(false, false)
		}
		return "requeued", message.Nack(false, true)
	}
	c.Seen[event.ID] = true
	return "handled", message.Ack(false)
}
