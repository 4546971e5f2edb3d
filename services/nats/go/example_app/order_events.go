// Example component (delete me): order events over NATS JetStream, each handled once.
//
// Publishing sets the message id to the event id, so JetStream itself drops a
// second publish of the same event within its duplicate window. The consumer
// acknowledges what it handled, asks for redelivery after a transient failure,
// and moves what it cannot handle to a dead-letter subject.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrOrderTransient is a failure that may pass if the message is delivered again.
var ErrOrderTransient = errors.New("transient order failure")

// OrderEvent is one order event.
type OrderEvent struct {
	ID    string `json:"id"`
	Total int    `json:"total"`
}

// PublishOrder publishes event; false when JetStream dropped it as a duplicate.
func PublishOrder(ctx context.Context, js jetstream.JetStream, subject string, event OrderEvent) (bool, error) {
	body, err := json.Marshal(event)
	if err != nil {
		return false, err
	}
	ack, err := js.Publish(ctx, subject, body, jetstream.WithMsgID(event.ID))
	if err != nil {
		return false, err
	}
	return !ack.Duplicate, nil
}

// OrderConsumer handles order events; gives up on a message after MaxDeliveries attempts.
type OrderConsumer struct {
	Handle            func(OrderEvent) error
	DeadLetterSubject string
	MaxDeliveries     uint64 // 2 when 0
}

func (c OrderConsumer) deadLetter(ctx context.Context, js jetstream.JetStream, msg jetstream.Msg) (string, error) {
	if _, err := js.Publish(ctx, c.DeadLetterSubject, msg.Data()); err != nil {
		return "", err
	}
	return "dead-lettered", msg.Term()
}

// Process handles one delivery: "handled", "redelivery requested" or "dead-lettered".
func (c OrderConsumer) Process(ctx context.Context, js jetstream.JetStream, msg jetstream.Msg) (string, error) {
	var event OrderEvent
	if err := json.Unmarshal(msg.Data(), &event); err != nil || event.ID == "" {
		return c.deadLetter(ctx, js, msg)
	}
	if err := c.Handle(event); err != nil {
		if !errors.Is(err, ErrOrderTransient) {
			return "", err
		}
		limit := c.MaxDeliveries
		if limit == 0 {
			limit = 2
		}
		metadata, err := msg.Metadata()
		if err != nil {
			return "", err
		}
		if metadata.NumDelivered >= limit {
			return c.deadLetter(ctx, js, msg)
		}
		return "redelivery requested", msg.Nak()
	}
	return "handled", msg.DoubleAck(ctx) // wait for the server: no second delivery after this
}
