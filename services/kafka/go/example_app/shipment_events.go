// Example component (delete me): shipment events on Kafka, each handled once.
//
// Kafka has no dead-letter queue of its own: a message that can never be
// handled is copied to a dead-letter topic and its offset committed, so it no
// longer blocks its partition. A transient failure commits nothing and seeks
// back, so the same message is read again.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ErrShipmentTransient is a failure that may pass if the event is read again.
var ErrShipmentTransient = errors.New("transient shipment failure")

// ShipmentEvent is one shipment event.
type ShipmentEvent struct {
	ID      string `json:"id"`
	OrderID int    `json:"orderId"`
	Status  string `json:"status"`
}

// PublishShipment publishes event as JSON, keyed by its order (one order's events stay in order).
func PublishShipment(ctx context.Context, producer *kgo.Client, topic string, event ShipmentEvent) error {
	body, err := json.Marshal(event)
	if err != nil {
		return err
	}
	record := &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(event.OrderID)), Value: body}
	return producer.ProduceSync(ctx, record).FirstErr()
}

// ShipmentConsumer commits what it handled, dead-letters what it cannot parse and retries the rest.
type ShipmentConsumer struct {
	Consumer        *kgo.Client
	Producer        *kgo.Client
	DeadLetterTopic string
	Handle          func(ShipmentEvent) error
	seen            map[string]bool
}

// Process handles one record: "handled", "duplicate", "retry" or "dead-lettered".
func (c *ShipmentConsumer) Process(ctx context.Context, record *kgo.Record) (string, error) {
	commit := func(outcome string) (string, error) {
		return outcome, c.Consumer.CommitRecords(ctx, record)
	}
	var event ShipmentEvent
	if err := json.Unmarshal(record.Value, &event); err != nil || event.ID == "" {
		reason := "no id"
		if err != nil {
			reason = "SyntaxError"
		}
		header := kgo.RecordHeader{Key: "error", Value: []byte(reason)}
		dead := &kgo.Record{Topic: c.DeadLetterTopic, Key: record.Key, Value: record.Value, Headers: []kgo.RecordHeader{header}}
		if err := c.Producer.ProduceSync(ctx, dead).FirstErr(); err != nil {
			return "", err
		}
		return commit("dead-lettered")
	}
	if c.seen[event.ID] {
		return commit("duplicate")
	}
	if err := c.Handle(event); err != nil {
		if !errors.Is(err, ErrShipmentTransient) {
			return "", err
		}
		back := kgo.EpochOffset{Epoch: -1, Offset: record.Offset}
		c.Consumer.SetOffsets(map[string]map[int32]kgo.EpochOffset{record.Topic: {record.Partition: back}})
		return "retry", nil
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[event.ID] = true
	return commit("handled")
}
