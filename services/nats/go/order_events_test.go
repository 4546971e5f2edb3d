// Example tests (delete with example_app/): NATS JetStream with harness.MakeStream.

package integration

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	exampleapp "integration/example_app"
	"integration/harness"
)

var order = exampleapp.OrderEvent{ID: "order-1", Total: 42}

// flakyOrders records handled events; fails with ErrOrderTransient for the first failures calls.
type flakyOrders struct {
	failures int
	handled  []exampleapp.OrderEvent
}

func (h *flakyOrders) handle(event exampleapp.OrderEvent) error {
	if h.failures > 0 {
		h.failures--
		return fmt.Errorf("warehouse busy: %w", exampleapp.ErrOrderTransient)
	}
	h.handled = append(h.handled, event)
	return nil
}

// reader reads subject of the stream through a durable pull consumer: next() is the next delivery.
func reader(t *testing.T, js jetstream.JetStream, stream harness.IsolatedStream, subject string) func() jetstream.Msg {
	t.Helper()
	ctx := context.Background()
	consumer, err := js.CreateOrUpdateConsumer(ctx, stream.Name, jetstream.ConsumerConfig{
		Durable:       "reader-" + strings.ReplaceAll(subject, ".", "-"),
		AckPolicy:     jetstream.AckExplicitPolicy,
		FilterSubject: stream.Subject(subject),
		AckWait:       30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() jetstream.Msg {
		t.Helper()
		msg, err := consumer.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("no message on %s within 5s: %v", stream.Subject(subject), err)
		}
		return msg
	}
}

func publishOrder(t *testing.T, js jetstream.JetStream, subject string) bool {
	t.Helper()
	stored, err := exampleapp.PublishOrder(context.Background(), js, subject, order)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

func process(t *testing.T, consumer exampleapp.OrderConsumer, js jetstream.JetStream, msg jetstream.Msg) string {
	t.Helper()
	outcome, err := consumer.Process(context.Background(), js, msg)
	if err != nil {
		t.Fatal(err)
	}
	return outcome
}

func TestPublishedOrderIsHandledAndAcknowledged(t *testing.T) {
	t.Parallel()
	orders := harness.MakeStream(t, "orders")
	js := harness.JetStream(t)
	handler := &flakyOrders{}
	publishOrder(t, js, orders.Subject("created"))

	created := reader(t, js, orders, "created")

	consumer := exampleapp.OrderConsumer{Handle: handler.handle, DeadLetterSubject: orders.Subject("dead")}
	if outcome := process(t, consumer, js, created()); outcome != "handled" {
		t.Fatalf("outcome %s", outcome)
	}
	if !reflect.DeepEqual(handler.handled, []exampleapp.OrderEvent{order}) {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestSameEventPublishedTwiceIsStoredOnce(t *testing.T) {
	t.Parallel()
	orders := harness.MakeStream(t, "orders")
	js := harness.JetStream(t)

	first, second := publishOrder(t, js, orders.Subject("created")), publishOrder(t, js, orders.Subject("created"))

	if !first || second {
		t.Fatalf("stored %v then %v", first, second)
	}
	stream, err := js.Stream(context.Background(), orders.Name)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(context.Background()); err != nil || info.State.Msgs != 1 {
		t.Fatalf("stream info %+v (%v)", info, err)
	}
}

func TestPoisonMessageIsDeadLetteredByTheOrderConsumer(t *testing.T) {
	t.Parallel()
	orders := harness.MakeStream(t, "orders")
	js := harness.JetStream(t)
	handler := &flakyOrders{}
	if _, err := js.Publish(context.Background(), orders.Subject("created"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	created, dead := reader(t, js, orders, "created"), reader(t, js, orders, "dead")

	consumer := exampleapp.OrderConsumer{Handle: handler.handle, DeadLetterSubject: orders.Subject("dead")}
	if outcome := process(t, consumer, js, created()); outcome != "dead-lettered" {
		t.Fatalf("outcome %s", outcome)
	}

	if body := string(dead().Data()); body != "{not json" {
		t.Fatalf("dead letter %q", body)
	}
	if len(handler.handled) != 0 {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestTransientFailureIsRedeliveredThenHandled(t *testing.T) {
	t.Parallel()
	orders := harness.MakeStream(t, "orders")
	js := harness.JetStream(t)
	handler := &flakyOrders{failures: 1}
	consumer := exampleapp.OrderConsumer{Handle: handler.handle, DeadLetterSubject: orders.Subject("dead")}
	publishOrder(t, js, orders.Subject("created"))
	created := reader(t, js, orders, "created")

	if outcome := process(t, consumer, js, created()); outcome != "redelivery requested" {
		t.Fatalf("first outcome %s", outcome)
	}
	again := created()
	if metadata, err := again.Metadata(); err != nil || metadata.NumDelivered != 2 {
		t.Fatalf("metadata %+v (%v)", metadata, err)
	}
	if outcome := process(t, consumer, js, again); outcome != "handled" {
		t.Fatalf("second outcome %s", outcome)
	}

	if !reflect.DeepEqual(handler.handled, []exampleapp.OrderEvent{order}) {
		t.Fatalf("handled %v", handler.handled)
	}
}
