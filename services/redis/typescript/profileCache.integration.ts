// Example tests (delete with example_app/): Redis with the `redis` fixture.
import { ProfileCache, type Profile } from "./example_app/profileCache";
import { expect, test } from "./harness/fixtures";

/** Stands in for the database behind the cache and counts the loads. */
function countingLoader(profiles: Map<number, Profile>) {
  const loader = async (userId: number) => {
    loader.calls += 1;
    return profiles.get(userId) ?? null;
  };
  loader.calls = 0;
  return loader;
}

const ADA = { id: 7, name: "Ada" };

test("second read is served from the cache", async ({ redis }) => {
  const loader = countingLoader(new Map([[7, ADA]]));
  const cache = new ProfileCache(redis, loader);

  expect(await cache.get(7)).toEqual(ADA);
  expect(await cache.get(7)).toEqual(ADA);

  expect(loader.calls).toBe(1);
});

test("entries are stored with the ttl", async ({ redis }) => {
  await new ProfileCache(redis, countingLoader(new Map([[7, ADA]])), 30_000).get(7);

  const ttl = await redis.pttl("profile:7");
  expect(ttl).toBeGreaterThan(0);
  expect(ttl).toBeLessThanOrEqual(30_000);
});

test("invalidated entry is loaded again", async ({ redis }) => {
  const profiles = new Map([[7, ADA]]);
  const cache = new ProfileCache(redis, countingLoader(profiles));
  await cache.get(7);
  profiles.set(7, { id: 7, name: "Ada Lovelace" });

  await cache.invalidate(7);

  expect(await cache.get(7)).toEqual({ id: 7, name: "Ada Lovelace" });
});

test("unknown user is not cached", async ({ redis }) => {
  expect(await new ProfileCache(redis, countingLoader(new Map())).get(404)).toBeNull();
  expect(await redis.exists("profile:404")).toBe(0);
});

test("corrupt entry is replaced", async ({ redis }) => {
  await redis.set("profile:7", "{not json");

  expect(await new ProfileCache(redis, countingLoader(new Map([[7, ADA]]))).get(7)).toEqual(ADA);
  expect(await redis.get("profile:7")).toBe(JSON.stringify(ADA));
});

test("failing loader caches nothing", async ({ redis }) => {
  const broken = async (): Promise<Profile | null> => {
    throw new Error("profile database down");
  };

  await expect(new ProfileCache(redis, broken).get(7)).rejects.toThrow("profile database down");

  expect(await redis.dbsize()).toBe(0);
});
