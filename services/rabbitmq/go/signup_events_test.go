// Example tests (delete with example_app/): RabbitMQ with harness.MakeQueue.

package integration

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	exampleapp "integration/example_app"
	"integration/harness"
)

var signup = exampleapp.SignupEvent{ID: "evt-1", Email: "ada@example.com"}

// flakyHandler records handled events; fails with ErrTransient for the first failures calls.
type flakyHandler struct {
	failures int
	handled  []exampleapp.SignupEvent
}

func (h *flakyHandler) handle(event exampleapp.SignupEvent) error {
	if h.failures > 0 {
		h.failures--
		return fmt.Errorf("mail service busy: %w", exampleapp.ErrTransient)
	}
	h.handled = append(h.handled, event)
	return nil
}

// signupQueues is a signups queue whose rejected messages go to its own dead-letter queue.
func signupQueues(t *testing.T) (queue, deadLetters string) {
	deadLetters = harness.MakeQueue(t, "signups-dlq")
	return harness.MakeQueue(t, "signups", harness.DeadLetterTo(deadLetters)), deadLetters
}

func deliver(t *testing.T, channel *amqp.Channel, queue string, consumer *exampleapp.SignupConsumer) string {
	t.Helper()
	outcome, err := consumer.Process(harness.WaitForMessage(t, channel, queue, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return outcome
}

func publish(t *testing.T, channel *amqp.Channel, queue string) {
	t.Helper()
	if err := exampleapp.PublishSignup(context.Background(), channel, queue, signup); err != nil {
		t.Fatal(err)
	}
}

func TestPublishedSignupIsHandledAndAcknowledged(t *testing.T) {
	t.Parallel()
	channel := harness.AMQPChannel(t)
	queue, _ := signupQueues(t)
	handler := &flakyHandler{}
	publish(t, channel, queue)

	if outcome := deliver(t, channel, queue, &exampleapp.SignupConsumer{Handle: handler.handle}); outcome != "handled" {
		t.Fatalf("outcome %s", outcome)
	}

	if !reflect.DeepEqual(handler.handled, []exampleapp.SignupEvent{signup}) {
		t.Fatalf("handled %v", handler.handled)
	}
	if state, err := channel.QueueDeclarePassive(queue, false, false, false, false, nil); err != nil || state.Messages != 0 {
		t.Fatalf("%d messages left (%v)", state.Messages, err)
	}
}

func TestPoisonMessageIsDeadLettered(t *testing.T) {
	t.Parallel()
	channel := harness.AMQPChannel(t)
	queue, deadLetters := signupQueues(t)
	handler := &flakyHandler{}
	confirm, err := channel.PublishWithDeferredConfirmWithContext(context.Background(), "", queue, false, false,
		amqp.Publishing{Body: []byte("{not json")})
	if err != nil || !confirm.Wait() {
		t.Fatalf("publish: %v", err)
	}

	if outcome := deliver(t, channel, queue, &exampleapp.SignupConsumer{Handle: handler.handle}); outcome != "rejected" {
		t.Fatalf("outcome %s", outcome)
	}

	if dead := harness.WaitForMessage(t, channel, deadLetters, 5*time.Second); string(dead.Body) != "{not json" {
		t.Fatalf("dead letter %q", dead.Body)
	}
	if len(handler.handled) != 0 {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestTransientFailureIsRedeliveredOnceThenHandled(t *testing.T) {
	t.Parallel()
	channel := harness.AMQPChannel(t)
	queue, _ := signupQueues(t)
	handler := &flakyHandler{failures: 1}
	consumer := &exampleapp.SignupConsumer{Handle: handler.handle}
	publish(t, channel, queue)

	if outcome := deliver(t, channel, queue, consumer); outcome != "requeued" {
		t.Fatalf("first outcome %s", outcome)
	}
	again := harness.WaitForMessage(t, channel, queue, 5*time.Second)
	if !again.Redelivered {
		t.Fatal("not marked redelivered")
	}
	if outcome, err := consumer.Process(again); err != nil || outcome != "handled" {
		t.Fatalf("second outcome %s (%v)", outcome, err)
	}

	if !reflect.DeepEqual(handler.handled, []exampleapp.SignupEvent{signup}) {
		t.Fatalf("handled %v", handler.handled)
	}
}

func TestSameEventTwiceHasOneEffect(t *testing.T) {
	t.Parallel()
	channel := harness.AMQPChannel(t)
	queue, _ := signupQueues(t)
	handler := &flakyHandler{}
	consumer := &exampleapp.SignupConsumer{Handle: handler.handle}
	publish(t, channel, queue)
	publish(t, channel, queue)

	outcomes := []string{deliver(t, channel, queue, consumer), deliver(t, channel, queue, consumer)}

	if !reflect.DeepEqual(outcomes, []string{"handled", "duplicate"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if !reflect.DeepEqual(handler.handled, []exampleapp.SignupEvent{signup}) {
		t.Fatalf("handled %v", handler.handled)
	}
}
