// Example tests (delete with example_app/): Kafka with harness.MakeKafkaTopic and harness.MakeKafkaConsumer.

package integration

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	exampleapp "integration/example_app"
	"integration/harness"
)

var shipped = exampleapp.ShipmentEvent{ID: "evt-1", OrderID: 42, Status: "shipped"}

// flakyShipments records handled events; fails with ErrShipmentTransient for the first failures calls.
type flakyShipments struct {
	failures int
	handled  []exampleapp.ShipmentEvent
}

func (h *flakyShipments) handle(event exampleapp.ShipmentEvent) error {
	if h.failures > 0 {
		h.failures--
		return fmt.Errorf("warehouse API busy: %w", exampleapp.ErrShipmentTransient)
	}
	h.handled = append(h.handled, event)
	return nil
}

// shipments is a shipments topic, its dead-letter topic, a reader of the first and a producer.
type shipments struct {
	topic, deadLetters string
	reader             *harness.KafkaReader
	producer           *kgo.Client
}

func newShipments(t *testing.T) shipments {
	t.Helper()
	topic := harness.MakeKafkaTopic(t, "shipments")
	return shipments{topic, harness.MakeKafkaTopic(t, "shipments-dlq"), harness.MakeKafkaConsumer(t, topic), harness.KafkaProducer(t)}
}

func (s shipments) consumer(handle func(exampleapp.ShipmentEvent) error) *exampleapp.ShipmentConsumer {
	return &exampleapp.ShipmentConsumer{Consumer: s.reader.Client, Producer: s.producer, DeadLetterTopic: s.deadLetters, Handle: handle}
}

func (s shipments) publish(t *testing.T) {
	t.Helper()
	if err := exampleapp.PublishShipment(context.Background(), s.producer, s.topic, shipped); err != nil {
		t.Fatal(err)
	}
}

func processRecord(t *testing.T, consumer *exampleapp.ShipmentConsumer, record *kgo.Record) string {
	t.Helper()
	outcome, err := consumer.Process(context.Background(), record)
	if err != nil {
		t.Fatal(err)
	}
	return outcome
}

func TestPublishedShipmentIsHandledAndCommitted(t *testing.T) {
	t.Parallel()
	s := newShipments(t)
	handler := &flakyShipments{}
	s.publish(t)

	if outcome := processRecord(t, s.consumer(handler.handle), s.reader.Next(t, 10*time.Second)); outcome != "handled" {
		t.Fatalf("outcome %s", outcome)
	}

	if !reflect.DeepEqual(handler.handled, []exampleapp.ShipmentEvent{shipped}) {
		t.Fatalf("handled %v", handler.handled)
	}
	if offset := s.reader.CommittedOffset(t); offset != 1 {
		t.Fatalf("committed offset %d", offset)
	}
}

func TestPoisonShipmentGoesToTheDeadLetterTopic(t *testing.T) {
	t.Parallel()
	s := newShipments(t)
	handler := &flakyShipments{}
	poison := &kgo.Record{Topic: s.topic, Key: []byte("42"), Value: []byte("{not json")}
	if err := s.producer.ProduceSync(context.Background(), poison).FirstErr(); err != nil {
		t.Fatal(err)
	}

	if outcome := processRecord(t, s.consumer(handler.handle), s.reader.Next(t, 10*time.Second)); outcome != "dead-lettered" {
		t.Fatalf("outcome %s", outcome)
	}

	dead := harness.MakeKafkaConsumer(t, s.deadLetters).Next(t, 10*time.Second)
	if string(dead.Value) != "{not json" || len(dead.Headers) != 1 || string(dead.Headers[0].Value) != "SyntaxError" {
		t.Fatalf("dead letter %q %v", dead.Value, dead.Headers)
	}
	if offset := s.reader.CommittedOffset(t); offset != 1 {
		t.Fatalf("committed offset %d", offset)
	}
	if len(handler.handled) != 0 {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestTransientFailureIsReadAgainThenHandled(t *testing.T) {
	t.Parallel()
	s := newShipments(t)
	handler := &flakyShipments{failures: 1}
	consumer := s.consumer(handler.handle)
	s.publish(t)

	first := s.reader.Next(t, 10*time.Second)
	if outcome := processRecord(t, consumer, first); outcome != "retry" {
		t.Fatalf("first outcome %s", outcome)
	}
	again := s.reader.Next(t, 10*time.Second)
	if again.Offset != first.Offset {
		t.Fatalf("read offset %d again, want %d", again.Offset, first.Offset)
	}
	if outcome := processRecord(t, consumer, again); outcome != "handled" {
		t.Fatalf("second outcome %s", outcome)
	}

	if !reflect.DeepEqual(handler.handled, []exampleapp.ShipmentEvent{shipped}) {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestSameShipmentTwiceHasOneEffect(t *testing.T) {
	t.Parallel()
	s := newShipments(t)
	handler := &flakyShipments{}
	consumer := s.consumer(handler.handle)
	s.publish(t)
	s.publish(t)

	outcomes := []string{
		processRecord(t, consumer, s.reader.Next(t, 10*time.Second)),
		processRecord(t, consumer, s.reader.Next(t, 10*time.Second)),
	}

	if !reflect.DeepEqual(outcomes, []string{"handled", "duplicate"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if !reflect.DeepEqual(handler.handled, []exampleapp.ShipmentEvent{shipped}) {
		t.Fatalf("handled %v", handler.handled)
	}
	if offset := s.reader.CommittedOffset(t); offset != 2 {
		t.Fatalf("committed offset %d", offset)
	}
}
