package integration.exampleapp;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Example component (delete me): a read-through cache of user profiles in Redis.
 *
 * <p>Profiles come from {@code load} and are cached as a hash for {@code ttl}; an entry that is
 * not a complete profile hash is replaced.
 */
public final class ProfileCache {
  private final RedisCommands<String, String> redis;
  private final LongFunction<Optional<Profile>> load;
  private final Duration ttl;

  /** A user's profile. */
  public record Profile(long id, String name) {}

  /** A cache in front of {@code load}, entries kept for {@code ttl}. */
  public ProfileCache(
      RedisCommands<String, String> redis, LongFunction<Optional<Profile>> load, Duration ttl) {
    this.redis = redis;
    this.load = load;
    this.ttl = ttl;
  }

  /** A cache keeping entries for five minutes. */
  public ProfileCache(RedisCommands<String, String> redis, LongFunction<Optional<Profile>> load) {
    this(redis, load, Duration.ofMinutes(5));
  }

  /** The key of a user's entry. */
  public static String key(long userId) {
    return "profile:" + userId;
  }

  /** The profile, from the cache or else loaded (and then cached). */
  public Optional<Profile> get(long userId) {
    String key = key(userId);
    try {
      Map<String, String> cached = redis.hgetall(key);
      if (cached.containsKey("id") && cached.containsKey("name")) {
        return Optional.of(new Profile(Long.parseLong(cached.get("id")), cached.get("name")));
      }
      if (!cached.isEmpty()) {
        redis.del(key);
      }
    } catch (RedisCommandExecutionException | NumberFormatException corrupt) {
      redis.del(key); // WRONGTYPE: something else is stored under the key
    }
    Optional<Profile> profile = load.apply(userId);
    profile.ifPresent(
        found -> {
          redis.hset(key, Map.of("id", String.valueOf(found.id()), "name", found.name()));
          redis.pexpire(key, ttl.toMillis());
        });
    return profile;
  }

  /** Forget the cached entry: the next read loads it again. */
  public void invalidate(long userId) {
    redis.del(key(userId));
  }
}
