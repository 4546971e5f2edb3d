// Example component (delete me): a job queue on Redis Streams with a consumer group.
//
// A worker takes new jobs with XREADGROUP and acknowledges them with XACK. A job
// whose handler failed stays pending; the next round reclaims it with XAUTOCLAIM
// (its delivery count goes up) until it is handled or, after MaxDeliveries, moved
// to a dead-letter stream. Handled job ids are kept in a set, so the same job
// enqueued twice has one effect.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrJobTransient is a failure that may pass if the job is delivered again.
var ErrJobTransient = errors.New("transient job failure")

// Job is one job; ID identifies it.
type Job struct {
	ID    string `json:"id"`
	Kind  string `json:"kind,omitempty"`
	Image string `json:"image,omitempty"`
}

// Enqueue appends job to stream; the entry id.
func Enqueue(ctx context.Context, client *redis.Client, stream string, job Job) (string, error) {
	body, err := json.Marshal(job)
	if err != nil {
		return "", err
	}
	return client.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"body", string(body)}}).Result()
}

// JobWorker is one consumer of Group on Stream.
type JobWorker struct {
	Redis         *redis.Client
	Stream        string
	Handle        func(Job) error
	Group         string // "workers" when ""
	Consumer      string // "worker-1" when ""
	MaxDeliveries int64  // 2 when 0
}

// DeadLetters is the stream unusable jobs are moved to.
func (w JobWorker) DeadLetters() string { return w.Stream + ":dead" }

func (w JobWorker) done() string { return w.Stream + ":done" }

func (w JobWorker) group() string { return or(w.Group, "workers") }

func or(value, otherwise string) string {
	if value == "" {
		return otherwise
	}
	return value
}

// CreateGroup creates the consumer group (and the stream) unless they exist.
func (w JobWorker) CreateGroup(ctx context.Context) error {
	err := w.Redis.XGroupCreateMkStream(ctx, w.Stream, w.group(), "0").Err()
	if err != nil && strings.Contains(err.Error(), "BUSYGROUP") {
		return nil
	}
	return err
}

// WorkOnce processes pending jobs to retry, or else new ones; what happened to each.
func (w JobWorker) WorkOnce(ctx context.Context, block time.Duration) ([]string, error) {
	consumer := or(w.Consumer, "worker-1")
	entries, _, err := w.Redis.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: w.Stream, Group: w.group(), Consumer: consumer, MinIdle: 0, Start: "0", Count: 10,
	}).Result()
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		streams, err := w.Redis.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: w.group(), Consumer: consumer, Streams: []string{w.Stream, ">"}, Count: 10, Block: block,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		if len(streams) > 0 {
			entries = streams[0].Messages
		}
	}
	var outcomes []string
	for _, entry := range entries {
		outcome, err := w.process(ctx, entry)
		if err != nil {
			return outcomes, err
		}
		outcomes = append(outcomes, outcome)
	}
	return outcomes, nil
}

func (w JobWorker) finish(ctx context.Context, id, outcome string) (string, error) {
	return outcome, w.Redis.XAck(ctx, w.Stream, w.group(), id).Err()
}

func (w JobWorker) deadLetter(ctx context.Context, entry redis.XMessage) (string, error) {
	if err := w.Redis.XAdd(ctx, &redis.XAddArgs{Stream: w.DeadLetters(), Values: entry.Values}).Err(); err != nil {
		return "", err
	}
	return w.finish(ctx, entry.ID, "dead-lettered")
}

func (w JobWorker) process(ctx context.Context, entry redis.XMessage) (string, error) {
	var job Job
	body, _ := entry.Values["body"].(string)
	if err := json.Unmarshal([]byte(body), &job); err != nil || job.ID == "" {
		return w.deadLetter(ctx, entry)
	}
	if seen, err := w.Redis.SIsMember(ctx, w.done(), job.ID).Result(); err != nil || seen {
		if err != nil {
			return "", err
		}
		return w.finish(ctx, entry.ID, "duplicate")
	}
	if err := w.Handle(job); err != nil {
		if !errors.Is(err, ErrJobTransient) {
			return "", err
		}
		pending, err := w.Redis.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: w.Stream, Group: w.group(), Start: entry.ID, End: entry.ID, Count: 1,
		}).Result()
		if err != nil {
			return "", err
		}
		limit := w.MaxDeliveries
		if limit == 0 {
			limit = 2
		}
		if len(pending) > 0 && pending[0].RetryCount >= limit {
			return w.deadLetter(ctx, entry)
		}
		return "left pending", nil
	}
	if err := w.Redis.SAdd(ctx, w.done(), job.ID).Err(); err != nil {
		return "", err
	}
	return w.finish(ctx, entry.ID, "handled")
}
