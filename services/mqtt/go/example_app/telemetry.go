// Example component (delete me): device telemetry over MQTT, each reading handled once.
//
// Readings it can never handle go to a dead-letter topic; a reading seen before
// (MQTT QoS 1 delivers at least once) has no second effect.

package exampleapp

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Reading is one device reading.
type Reading struct {
	ID      string  `json:"id"`
	Celsius float64 `json:"celsius"`
}

func published(token mqtt.Token) error {
	if !token.WaitTimeout(5 * time.Second) {
		return fmt.Errorf("the broker did not acknowledge within 5s")
	}
	return token.Error()
}

// PublishReading publishes reading at QoS 1; returns when the broker has it.
func PublishReading(client mqtt.Client, topic string, reading Reading) error {
	body, err := json.Marshal(reading)
	if err != nil {
		return err
	}
	return published(client.Publish(topic, 1, false, body))
}

// TelemetryConsumer handles readings; moves unreadable ones to DeadLetterTopic.
type TelemetryConsumer struct {
	Handle          func(Reading) error
	DeadLetterTopic string
	mu              sync.Mutex
	seen            map[string]bool
	outcomes        []string
}

// Outcomes are what happened to each message so far, in order.
func (c *TelemetryConsumer) Outcomes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.outcomes...)
}

// Listen subscribes client to topic and processes every message that arrives, one at a time.
func (c *TelemetryConsumer) Listen(client mqtt.Client, topic string) error {
	return published(client.Subscribe(topic, 1, func(client mqtt.Client, message mqtt.Message) {
		outcome := c.Process(client, message.Payload())
		c.mu.Lock()
		c.outcomes = append(c.outcomes, outcome)
		c.mu.Unlock()
	}))
}

// Process handles one message: "handled", "duplicate", "dead-lettered" or "failed: ...".
func (c *TelemetryConsumer) Process(client mqtt.Client, payload []byte) string {
	var reading Reading
	if err := json.Unmarshal(payload, &reading); err != nil || reading.ID == "" {
		if err := published(client.Publish(c.DeadLetterTopic, 1, false, payload)); err != nil {
			return "failed: " + err.Error()
		}
		return "dead-lettered"
	}
	c.mu.Lock()
	seen := c.seen[reading.ID]
	c.mu.Unlock()
	if seen {
		return "duplicate"
	}
	if err := c.Handle(reading); err != nil {
		return "failed: " + err.Error()
	}
	c.mu.Lock()
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[reading.ID] = true
	c.mu.Unlock()
	return "handled"
}
