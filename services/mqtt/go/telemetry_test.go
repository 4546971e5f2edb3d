// Example tests (delete with example_app/): MQTT with harness.MakeTopic and harness.MakeClient.

package integration

import (
	"reflect"
	"sync"
	"testing"
	"time"

	exampleapp "integration/example_app"
	"integration/harness"
)

var reading = exampleapp.Reading{ID: "r-1", Celsius: 21.5}

// until waits for check, up to 5 s; t fails naming what did not happen.
func until(t *testing.T, check func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readings records handled readings.
type readings struct {
	mu      sync.Mutex
	handled []exampleapp.Reading
}

func (r *readings) handle(reading exampleapp.Reading) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handled = append(r.handled, reading)
	return nil
}

func (r *readings) all() []exampleapp.Reading {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exampleapp.Reading(nil), r.handled...)
}

func TestPublishedReadingIsHandled(t *testing.T) {
	t.Parallel()
	topic := harness.MakeTopic(t, "telemetry")
	handled := &readings{}
	consumer := &exampleapp.TelemetryConsumer{Handle: handled.handle, DeadLetterTopic: topic + "/dead"}
	if err := consumer.Listen(harness.MakeClient(t), topic+"/readings"); err != nil {
		t.Fatal(err)
	}

	if err := exampleapp.PublishReading(harness.MQTTClient(t), topic+"/readings", reading); err != nil {
		t.Fatal(err)
	}

	until(t, func() bool { return len(handled.all()) == 1 }, "handling")
	if !reflect.DeepEqual(handled.all(), []exampleapp.Reading{reading}) {
		t.Fatalf("handled %v", handled.all())
	}
}

func TestUnreadableReadingIsDeadLettered(t *testing.T) {
	t.Parallel()
	topic := harness.MakeTopic(t, "telemetry")
	inbox := harness.NewInbox(t, harness.MakeClient(t), topic+"/dead")
	consumer := &exampleapp.TelemetryConsumer{Handle: (&readings{}).handle, DeadLetterTopic: topic + "/dead"}
	if err := consumer.Listen(harness.MakeClient(t), topic+"/readings"); err != nil {
		t.Fatal(err)
	}

	if token := harness.MQTTClient(t).Publish(topic+"/readings", 1, false, "{not json"); !token.WaitTimeout(5*time.Second) || token.Error() != nil {
		t.Fatalf("publish: %v", token.Error())
	}

	if dead := inbox.Next(t, topic+"/dead", 5*time.Second); dead.Payload != "{not json" {
		t.Fatalf("dead letter %q", dead.Payload)
	}
	if outcomes := consumer.Outcomes(); !reflect.DeepEqual(outcomes, []string{"dead-lettered"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
}

func TestSameReadingTwiceHasOneEffect(t *testing.T) {
	t.Parallel()
	topic := harness.MakeTopic(t, "telemetry")
	handled := &readings{}
	consumer := &exampleapp.TelemetryConsumer{Handle: handled.handle, DeadLetterTopic: topic + "/dead"}
	if err := consumer.Listen(harness.MakeClient(t), topic+"/readings"); err != nil {
		t.Fatal(err)
	}
	publisher := harness.MQTTClient(t)

	for range 2 {
		if err := exampleapp.PublishReading(publisher, topic+"/readings", reading); err != nil {
			t.Fatal(err)
		}
	}

	until(t, func() bool { return len(consumer.Outcomes()) == 2 }, "two deliveries")
	if outcomes := consumer.Outcomes(); !reflect.DeepEqual(outcomes, []string{"handled", "duplicate"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if !reflect.DeepEqual(handled.all(), []exampleapp.Reading{reading}) {
		t.Fatalf("handled %v", handled.all())
	}
}

func TestRetainedStatusReachesLateSubscribers(t *testing.T) {
	t.Parallel()
	topic := harness.MakeTopic(t, "status")
	if token := harness.MQTTClient(t).Publish(topic+"/device-7", 1, true, "online"); !token.WaitTimeout(5*time.Second) || token.Error() != nil {
		t.Fatalf("publish: %v", token.Error())
	}

	inbox := harness.NewInbox(t, harness.MakeClient(t), topic+"/#")

	status := inbox.Next(t, topic+"/device-7", 5*time.Second)
	if status != (harness.MQTTMessage{Topic: topic + "/device-7", Payload: "online", Retained: true}) {
		t.Fatalf("status %+v", status)
	}
}
