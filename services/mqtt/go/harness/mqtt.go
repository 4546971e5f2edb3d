// Managed by integration-harness: `copier update` rewrites this file.

package harness

// MQTT helpers (Paho): MQTTURL, MakeTopic, MakeClient, MQTTClient, NewInbox.
//
// Isolation: each test publishes under topic prefixes of its own
// (test/p<pid>/<purpose>/<stamp><random>); retained messages under them are
// cleared after the test, and every client a test made is disconnected.

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

var (
	mqttTitle  = catalogueTitle("mqtt")
	mqttURLVar = catalogueURLVar("mqtt")
)

var mqttRefusal = regexp.MustCompile(`(?i)not authori[sz]ed|bad user name|bad username`)

func init() {
	register("mqtt", module{guard: mqttGuard, probe: mqttProbe})
}

func mqttGuard(raw string, settings *Settings) error {
	parsed, err := url.Parse(raw)
	if err != nil || !map[string]bool{"mqtt": true, "mqtts": true, "tcp": true, "ws": true, "wss": true}[parsed.Scheme] {
		return fmt.Errorf("%s must be an mqtt:// URL, not %s", mqttURLVar, Redact(raw))
	}
	return EnsureDisposable(mqttTitle, raw, []string{parsed.Hostname()}, settings.AllowedHosts())
}

func mqttOptions(raw, clientID string, timeout time.Duration) *mqtt.ClientOptions {
	return mqtt.NewClientOptions().AddBroker(raw).SetClientID(clientID).SetCleanSession(true).
		SetConnectTimeout(timeout).SetAutoReconnect(false).SetConnectRetry(false).SetOrderMatters(true)
}

// wait waits for token within timeout; its error, or one naming what timed out.
func wait(token mqtt.Token, timeout time.Duration, what string) error {
	if !token.WaitTimeout(timeout) {
		return fmt.Errorf("%s: no answer within %gs", what, timeout.Seconds())
	}
	return token.Error()
}

func mqttProbe(ctx context.Context, raw string) (string, error) {
	timeout := runTimeout()
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	client := mqtt.NewClient(mqttOptions(raw, UniqueTestName("MQTTProbe", "probe", "-"), timeout))
	if err := wait(client.Connect(), timeout, "CONNECT"); err != nil {
		if mqttRefusal.MatchString(err.Error()) {
			return "", &Misconfigured{err}
		}
		return "", err
	}
	client.Disconnect(100)
	return mqttTitle, nil
}

// MQTTURL is the URL of a ready MQTT broker (TEST_MQTT_URL).
func MQTTURL(t testingTB) string {
	t.Helper()
	return serviceURL(t, "mqtt", mqttURLVar)
}

// MQTTMessage is a message an Inbox received.
type MQTTMessage struct {
	Topic    string
	Payload  string
	Retained bool
}

// Inbox collects the messages a client receives on a topic filter.
type Inbox struct {
	mu       sync.Mutex
	messages []MQTTMessage
}

// NewInbox subscribes client to filter at QoS 1 and collects what arrives.
func NewInbox(t testingTB, client mqtt.Client, filter string) *Inbox {
	t.Helper()
	inbox := &Inbox{}
	token := client.Subscribe(filter, 1, func(_ mqtt.Client, message mqtt.Message) {
		inbox.mu.Lock()
		defer inbox.mu.Unlock()
		inbox.messages = append(inbox.messages, MQTTMessage{message.Topic(), string(message.Payload()), message.Retained()})
	})
	if err := wait(token, runTimeout(), "SUBSCRIBE "+filter); err != nil {
		t.Fatal(err)
	}
	return inbox
}

// Messages are the messages received so far, in order.
func (i *Inbox) Messages() []MQTTMessage {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]MQTTMessage(nil), i.messages...)
}

// Next is the first message on topic, waiting up to timeout; t fails naming the topic.
func (i *Inbox) Next(t testingTB, topic string, timeout time.Duration) MQTTMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, message := range i.Messages() {
			if message.Topic == topic {
				return message
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message on %s within %gs", topic, timeout.Seconds())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clearRetained removes every retained message under prefix.
func clearRetained(t testingTB, raw, prefix string) error {
	client := mqtt.NewClient(mqttOptions(raw, UniqueTestName("MakeTopic", "clear", "-"), runTimeout()))
	if err := wait(client.Connect(), runTimeout(), "CONNECT"); err != nil {
		return err
	}
	defer client.Disconnect(100)
	inbox := NewInbox(t, client, prefix+"/#")
	marker := prefix + "/__harness_end__"
	if err := wait(client.Publish(marker, 1, false, ""), runTimeout(), "PUBLISH"); err != nil {
		return err
	}
	inbox.Next(t, marker, runTimeout())
	for _, message := range inbox.Messages() {
		if message.Retained && message.Topic != marker {
			if err := wait(client.Publish(message.Topic, 1, true, ""), runTimeout(), "PUBLISH"); err != nil {
				return err
			}
		}
	}
	return nil
}

// MakeTopic is a topic prefix of this test's own; retained messages under it are cleared after the test.
func MakeTopic(t testingTB, purpose string) string {
	t.Helper()
	raw := MQTTURL(t)
	prefix := UniqueTestName("MakeTopic", purpose, "/")
	t.Cleanup(func() {
		if err := mqttGuard(raw, settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		if err := clearRetained(t, raw, prefix); err != nil {
			t.Errorf("integration-harness: clearing retained messages under %s: %v", prefix, err)
		}
	})
	return prefix
}

// MakeClient is a connected clean-session client with a unique id, disconnected after the test.
// configure, if given, changes its options before it connects.
func MakeClient(t testingTB, configure ...func(*mqtt.ClientOptions)) mqtt.Client {
	t.Helper()
	skipIfStopped(t, mqttTitle)
	raw := MQTTURL(t)
	options := mqttOptions(raw, UniqueTestName("MakeClient", "client", "-"), runTimeout())
	for _, change := range configure {
		change(options)
	}
	client := mqtt.NewClient(options)
	if err := wait(client.Connect(), runTimeout(), "CONNECT"); err != nil {
		failStopped(t, mqttTitle, raw, err)
	}
	t.Cleanup(func() { client.Disconnect(100) })
	return client
}

// MQTTClient is one connected clean-session client, disconnected after the test.
func MQTTClient(t testingTB) mqtt.Client {
	t.Helper()
	return MakeClient(t)
}
