// Managed by integration-harness: `copier update` rewrites this file.

package harness

// RabbitMQ helpers: AMQPURL, AMQPChannel, MakeQueue, WaitForMessage.
//
// Isolation: tests never share a queue. MakeQueue declares uniquely named queues
// (test.p<pid>.<purpose>.<stamp><random>) and deletes every one of them after the
// test, messages and all. AMQP cannot list queues, so instead of a sweep each
// queue is declared with x-expires of an hour: one a killed run left is removed
// by RabbitMQ itself once unused for that long.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

var (
	rabbitmqTitle  = catalogueTitle("rabbitmq")
	rabbitmqURLVar = catalogueURLVar("rabbitmq")
)

const (
	// QueueExpires is the x-expires of every queue MakeQueue declares: longer than any run.
	QueueExpires = time.Hour
)

func init() {
	register("rabbitmq", module{guard: rabbitmqGuard, probe: rabbitmqProbe, release: rabbitmqRelease})
}

func rabbitmqGuard(raw string, settings *Settings) error {
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		return fmt.Errorf("%s must be an amqp:// URL (%v)", rabbitmqURLVar, err)
	}
	return EnsureDisposable(rabbitmqTitle, raw, []string{uri.Host}, settings.AllowedHosts())
}

func rabbitmqDial(ctx context.Context, raw string) (*amqp.Connection, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(runTimeout())
	}
	return amqp.DialConfig(raw, amqp.Config{
		Dial: func(network, address string) (net.Conn, error) {
			conn, err := net.DialTimeout(network, address, time.Until(deadline))
			if err == nil {
				_ = conn.SetDeadline(deadline) // the handshake; amqp091 clears it once connected
			}
			return conn, err
		},
		Heartbeat: 10 * time.Second,
		Locale:    "en_US",
	})
}

func rabbitmqProbe(ctx context.Context, raw string) (string, error) {
	conn, err := rabbitmqDial(ctx, raw)
	if err != nil {
		var amqpErr *amqp.Error
		if errors.Is(err, amqp.ErrCredentials) || errors.Is(err, amqp.ErrVhost) ||
			(errors.As(err, &amqpErr) && (amqpErr.Code == amqp.AccessRefused || amqpErr.Code == amqp.NotAllowed)) {
			return "", &Misconfigured{err}
		}
		return "", err
	}
	defer conn.Close()
	version, _ := conn.Properties["version"].(string)
	return strings.TrimSpace(rabbitmqTitle + " " + version), nil
}

var rabbitmqRun struct {
	sync.Mutex
	conn *amqp.Connection
}

func rabbitmqRelease() {
	rabbitmqRun.Lock()
	defer rabbitmqRun.Unlock()
	if rabbitmqRun.conn != nil {
		_ = rabbitmqRun.conn.Close()
		rabbitmqRun.conn = nil
	}
}

// AMQPURL is the URL of a ready RabbitMQ (TEST_AMQP_URL).
func AMQPURL(t testingTB) string {
	t.Helper()
	return serviceURL(t, "rabbitmq", rabbitmqURLVar)
}

// rabbitmqConnection is the binary's shared connection, opened again if it was closed.
func rabbitmqConnection(t testingTB) *amqp.Connection {
	t.Helper()
	skipIfStopped(t, rabbitmqTitle)
	raw := AMQPURL(t)
	rabbitmqRun.Lock()
	defer rabbitmqRun.Unlock()
	if rabbitmqRun.conn == nil || rabbitmqRun.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		conn, err := rabbitmqDial(ctx, raw)
		if err != nil {
			rabbitmqRun.Unlock()
			defer rabbitmqRun.Lock()
			failStopped(t, rabbitmqTitle, raw, err)
		}
		rabbitmqRun.conn = conn
	}
	return rabbitmqRun.conn
}

// AMQPChannel is a channel in confirm mode, closed after the test.
func AMQPChannel(t testingTB) *amqp.Channel {
	t.Helper()
	channel, err := rabbitmqConnection(t).Channel()
	if err == nil {
		err = channel.Confirm(false)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = channel.Close() })
	return channel
}

// QueueOption changes a queue MakeQueue declares.
type QueueOption func(amqp.Table)

// DeadLetterTo sends the messages rejected (nacked without requeue) from the queue to queue.
func DeadLetterTo(queue string) QueueOption {
	return func(args amqp.Table) {
		args["x-dead-letter-exchange"] = ""
		args["x-dead-letter-routing-key"] = queue
	}
}

// MakeQueue declares a new, uniquely named queue, deleted with its messages after the test.
func MakeQueue(t testingTB, purpose string, options ...QueueOption) string {
	t.Helper()
	conn := rabbitmqConnection(t)
	name := UniqueTestName("MakeQueue", purpose, ".")
	args := amqp.Table{"x-expires": int64(QueueExpires / time.Millisecond)}
	for _, option := range options {
		option(args)
	}
	channel, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer channel.Close()
	if _, err := channel.QueueDeclare(name, false, false, false, false, args); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rabbitmqGuard(AMQPURL(t), settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		channel, err := rabbitmqConnection(t).Channel()
		if err == nil {
			defer channel.Close()
			_, err = channel.QueueDelete(name, false, false, false)
		}
		if err != nil {
			t.Errorf("integration-harness: deleting queue %s after the test: %v", name, err)
		}
	})
	return name
}

// WaitForMessage is the next message on queue (not acknowledged), waiting up to timeout.
func WaitForMessage(t testingTB, channel *amqp.Channel, queue string, timeout time.Duration) amqp.Delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		message, ok, err := channel.Get(queue, false)
		if err != nil {
			t.Fatalf("getting a message from %s: %v", queue, err)
		}
		if ok {
			return message
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message arrived on %s within %gs", queue, timeout.Seconds())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
