// Example tests (delete with example_app/): Redis Streams with harness.MakeRedisStream.

package integration

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	exampleapp "integration/example_app"
	"integration/harness"
)

var resize = exampleapp.Job{ID: "job-1", Kind: "resize", Image: "cat.png"}

// flakyJobs records handled jobs; fails with ErrJobTransient for the first failures calls.
type flakyJobs struct {
	failures int
	handled  []exampleapp.Job
}

func (h *flakyJobs) handle(job exampleapp.Job) error {
	if h.failures > 0 {
		h.failures--
		return fmt.Errorf("image service busy: %w", exampleapp.ErrJobTransient)
	}
	h.handled = append(h.handled, job)
	return nil
}

// newWorker is a worker on a new stream of this test's own, its group created.
func newWorker(t *testing.T, handle func(exampleapp.Job) error) exampleapp.JobWorker {
	t.Helper()
	worker := exampleapp.JobWorker{Redis: harness.Redis(t), Stream: harness.MakeRedisStream(t, "jobs"), Handle: handle}
	if err := worker.CreateGroup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return worker
}

func enqueue(t *testing.T, worker exampleapp.JobWorker, job exampleapp.Job) {
	t.Helper()
	if _, err := exampleapp.Enqueue(context.Background(), worker.Redis, worker.Stream, job); err != nil {
		t.Fatal(err)
	}
}

func workOnce(t *testing.T, worker exampleapp.JobWorker) []string {
	t.Helper()
	outcomes, err := worker.WorkOnce(context.Background(), 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	return outcomes
}

func TestEnqueuedJobIsHandledAndAcknowledged(t *testing.T) {
	t.Parallel()
	jobs := &flakyJobs{}
	worker := newWorker(t, jobs.handle)
	enqueue(t, worker, resize)

	if outcomes := workOnce(t, worker); !reflect.DeepEqual(outcomes, []string{"handled"}) {
		t.Fatalf("outcomes %v", outcomes)
	}

	if !reflect.DeepEqual(jobs.handled, []exampleapp.Job{resize}) {
		t.Fatalf("handled %v", jobs.handled)
	}
	if pending, err := worker.Redis.XPending(context.Background(), worker.Stream, "workers").Result(); err != nil || pending.Count != 0 {
		t.Fatalf("pending %+v (%v)", pending, err)
	}
}

func TestUnreadableJobIsDeadLettered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	worker := newWorker(t, (&flakyJobs{}).handle)
	if err := worker.Redis.XAdd(ctx, &redis.XAddArgs{Stream: worker.Stream, Values: []any{"body", "{not json"}}).Err(); err != nil {
		t.Fatal(err)
	}

	if outcomes := workOnce(t, worker); !reflect.DeepEqual(outcomes, []string{"dead-lettered"}) {
		t.Fatalf("outcomes %v", outcomes)
	}

	dead, err := worker.Redis.XRange(ctx, worker.DeadLetters(), "-", "+").Result()
	if err != nil || len(dead) != 1 || dead[0].Values["body"] != "{not json" {
		t.Fatalf("dead letters %+v (%v)", dead, err)
	}
}

func TestFailedJobIsRetriedThenHandled(t *testing.T) {
	t.Parallel()
	jobs := &flakyJobs{failures: 1}
	worker := newWorker(t, jobs.handle)
	enqueue(t, worker, resize)

	first, second := workOnce(t, worker), workOnce(t, worker)

	if !reflect.DeepEqual(first, []string{"left pending"}) || !reflect.DeepEqual(second, []string{"handled"}) {
		t.Fatalf("outcomes %v then %v", first, second)
	}
	if !reflect.DeepEqual(jobs.handled, []exampleapp.Job{resize}) {
		t.Fatalf("handled %v", jobs.handled)
	}
}

func TestJobFailingEveryTimeIsDeadLettered(t *testing.T) {
	t.Parallel()
	worker := newWorker(t, (&flakyJobs{failures: 99}).handle)
	enqueue(t, worker, resize)

	outcomes := append(workOnce(t, worker), workOnce(t, worker)...)

	if !reflect.DeepEqual(outcomes, []string{"left pending", "dead-lettered"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if n, err := worker.Redis.XLen(context.Background(), worker.DeadLetters()).Result(); err != nil || n != 1 {
		t.Fatalf("%d dead letters (%v)", n, err)
	}
}

func TestSameJobTwiceHasOneEffect(t *testing.T) {
	t.Parallel()
	jobs := &flakyJobs{}
	worker := newWorker(t, jobs.handle)
	enqueue(t, worker, resize)
	enqueue(t, worker, resize)

	if outcomes := workOnce(t, worker); !reflect.DeepEqual(outcomes, []string{"handled", "duplicate"}) {
		t.Fatalf("outcomes %v", outcomes)
	}
	if !reflect.DeepEqual(jobs.handled, []exampleapp.Job{resize}) {
		t.Fatalf("handled %v", jobs.handled)
	}
}
