// Example component (delete me): a read-through cache of user profiles in Redis.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Profile is a user profile as the loader returns it.
type Profile map[string]any

// ProfileCache serves profiles from Load, cached as JSON for TTL; a broken entry is reloaded.
type ProfileCache struct {
	Redis *redis.Client
	Load  func(ctx context.Context, userID int) (Profile, error)
	TTL   time.Duration
}

// ProfileKey is the cache key of a user's profile.
func ProfileKey(userID int) string { return fmt.Sprintf("profile:%d", userID) }

// Get is the user's profile (nil for an unknown user), from the cache when it is there.
func (c ProfileCache) Get(ctx context.Context, userID int) (Profile, error) {
	cached, err := c.Redis.Get(ctx, ProfileKey(userID)).Result()
	if err == nil {
		var profile Profile
		if json.Unmarshal([]byte(cached), &profile) == nil {
			return profile, nil
		}
		if err := c.Redis.Del(ctx, ProfileKey(userID)).Err(); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, redis.Nil) {
		return nil, err
	}
	profile, err := c.Load(ctx, userID)
	if err != nil || profile == nil {
		return nil, err
	}
	encoded, err := json.Marshal(profile)
	if err != nil {
		return nil, err
	}
	ttl := c.TTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	return profile, c.Redis.Set(ctx, ProfileKey(userID), encoded, ttl).Err()
}

// Invalidate drops the cached profile.
func (c ProfileCache) Invalidate(ctx context.Context, userID int) error {
	return c.Redis.Del(ctx, ProfileKey(userID)).Err()
}
