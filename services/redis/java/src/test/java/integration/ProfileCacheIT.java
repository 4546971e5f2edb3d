package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.ProfileCache;
import integration.exampleapp.ProfileCache.Profile;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/** Example tests (delete with exampleapp/): Redis through the {@code RedisCommands} parameter. */
class ProfileCacheIT {
  /** Stands in for the database behind the cache and counts the loads. */
  static final class CountingLoader implements LongFunction<Optional<Profile>> {
    final Map<Long, Profile> profiles = new HashMap<>(Map.of(7L, new Profile(7, "Ada")));
    int calls;

    @Override
    public Optional<Profile> apply(long userId) {
      calls++;
      return Optional.ofNullable(profiles.get(userId));
    }
  }

  @Test
  void secondReadIsServedFromTheCache(RedisCommands<String, String> redis) {
    CountingLoader loader = new CountingLoader();
    ProfileCache cache = new ProfileCache(redis, loader);

    assertEquals(Optional.of(new Profile(7, "Ada")), cache.get(7));
    assertEquals(Optional.of(new Profile(7, "Ada")), cache.get(7));

    assertEquals(1, loader.calls);
  }

  @Test
  void entriesAreStoredWithTheTtl(RedisCommands<String, String> redis) {
    new ProfileCache(redis, new CountingLoader(), Duration.ofSeconds(30)).get(7);

    long left = redis.pttl("profile:7");
    assertTrue(left > 0 && left <= 30_000, "pttl " + left);
  }

  @Test
  void expiredEntryIsLoadedAgain(RedisCommands<String, String> redis) throws Exception {
    CountingLoader loader = new CountingLoader();
    ProfileCache cache = new ProfileCache(redis, loader, Duration.ofMillis(50));
    cache.get(7);

    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (redis.exists("profile:7") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    cache.get(7);

    assertEquals(2, loader.calls);
  }

  @Test
  void invalidatedEntryIsLoadedAgain(RedisCommands<String, String> redis) {
    CountingLoader loader = new CountingLoader();
    ProfileCache cache = new ProfileCache(redis, loader);
    cache.get(7);
    loader.profiles.put(7L, new Profile(7, "Ada Lovelace"));

    cache.invalidate(7);

    assertEquals(Optional.of(new Profile(7, "Ada Lovelace")), cache.get(7));
  }

  @Test
  void unknownUserIsNotCached(RedisCommands<String, String> redis) {
    assertEquals(Optional.empty(), new ProfileCache(redis, new CountingLoader()).get(404));
    assertEquals(0, redis.exists("profile:404"));
  }

  @Test
  void corruptEntryIsReplaced(RedisCommands<String, String> redis) {
    redis.set("profile:7", "{not a hash");

    assertEquals(Optional.of(new Profile(7, "Ada")), new ProfileCache(redis, new CountingLoader()).get(7));
    assertEquals(Map.of("id", "7", "name", "Ada"), redis.hgetall("profile:7"));
  }

  @Test
  void failingLoaderCachesNothing(RedisCommands<String, String> redis) {
    ProfileCache cache =
        new ProfileCache(
            redis,
            userId -> {
              throw new IllegalStateException("profile database down");
            });

    assertThrows(IllegalStateException.class, () -> cache.get(7));
    assertEquals(0, redis.dbsize());
  }

  @Test
  void everyTestStartsWithAnEmptyDatabase(RedisCommands<String, String> redis) {
    assertEquals(0, redis.dbsize());
    redis.set("left-behind", "flushed after the test");
  }
}
