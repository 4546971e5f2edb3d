// Example tests (delete with example_app/): Redis with harness.Redis.

package integration

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	exampleapp "integration/example_app"
	"integration/harness"
)

// countingLoader stands in for the database behind the cache and counts the loads.
type countingLoader struct {
	profiles map[int]exampleapp.Profile
	calls    int
}

func (l *countingLoader) load(_ context.Context, userID int) (exampleapp.Profile, error) {
	l.calls++
	return l.profiles[userID], nil
}

var ada = exampleapp.Profile{"id": float64(7), "name": "Ada"}

func TestSecondReadIsServedFromTheCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loader := &countingLoader{profiles: map[int]exampleapp.Profile{7: ada}}
	cache := exampleapp.ProfileCache{Redis: harness.Redis(t), Load: loader.load}

	for range 2 {
		if got, err := cache.Get(ctx, 7); err != nil || !reflect.DeepEqual(got, ada) {
			t.Fatalf("got %v (%v)", got, err)
		}
	}

	if loader.calls != 1 {
		t.Fatalf("loaded %d times", loader.calls)
	}
}

func TestEntriesAreStoredWithTheTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	redis := harness.Redis(t)
	loader := &countingLoader{profiles: map[int]exampleapp.Profile{7: ada}}
	if _, err := (exampleapp.ProfileCache{Redis: redis, Load: loader.load, TTL: 30 * time.Second}).Get(ctx, 7); err != nil {
		t.Fatal(err)
	}

	ttl, err := redis.PTTL(ctx, "profile:7").Result()

	if err != nil || ttl <= 0 || ttl > 30*time.Second {
		t.Fatalf("ttl %v (%v)", ttl, err)
	}
}

func TestInvalidatedEntryIsLoadedAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loader := &countingLoader{profiles: map[int]exampleapp.Profile{7: ada}}
	cache := exampleapp.ProfileCache{Redis: harness.Redis(t), Load: loader.load}
	if _, err := cache.Get(ctx, 7); err != nil {
		t.Fatal(err)
	}
	renamed := exampleapp.Profile{"id": float64(7), "name": "Ada Lovelace"}
	loader.profiles[7] = renamed

	if err := cache.Invalidate(ctx, 7); err != nil {
		t.Fatal(err)
	}

	if got, err := cache.Get(ctx, 7); err != nil || !reflect.DeepEqual(got, renamed) {
		t.Fatalf("got %v (%v)", got, err)
	}
}

func TestUnknownUserIsNotCached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	redis := harness.Redis(t)
	loader := &countingLoader{profiles: map[int]exampleapp.Profile{}}

	if got, err := (exampleapp.ProfileCache{Redis: redis, Load: loader.load}).Get(ctx, 404); err != nil || got != nil {
		t.Fatalf("got %v (%v)", got, err)
	}
	if n, _ := redis.Exists(ctx, "profile:404").Result(); n != 0 {
		t.Fatal("an unknown user was cached")
	}
}

func TestCorruptEntryIsReplaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	redis := harness.Redis(t)
	if err := redis.Set(ctx, "profile:7", "{not json", 0).Err(); err != nil {
		t.Fatal(err)
	}
	loader := &countingLoader{profiles: map[int]exampleapp.Profile{7: ada}}

	if got, err := (exampleapp.ProfileCache{Redis: redis, Load: loader.load}).Get(ctx, 7); err != nil || !reflect.DeepEqual(got, ada) {
		t.Fatalf("got %v (%v)", got, err)
	}
	stored, _ := redis.Get(ctx, "profile:7").Result()
	want, _ := json.Marshal(ada)
	if stored != string(want) {
		t.Fatalf("stored %q", stored)
	}
}

func TestFailingLoaderCachesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	redis := harness.Redis(t)
	broken := func(context.Context, int) (exampleapp.Profile, error) {
		return nil, errors.New("profile database down")
	}

	_, err := (exampleapp.ProfileCache{Redis: redis, Load: broken}).Get(ctx, 7)

	if err == nil || err.Error() != "profile database down" {
		t.Fatalf("error = %v", err)
	}
	if n, _ := redis.DBSize(ctx).Result(); n != 0 {
		t.Fatalf("%d keys cached", n)
	}
}
