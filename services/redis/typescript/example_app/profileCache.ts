// Example component (delete me): a read-through cache of user profiles in Redis.
import type { Redis } from "ioredis";

export type Profile = Record<string, unknown>;

/** Profiles from `load`, cached as JSON for `ttlMs`; a broken entry is reloaded. */
export class ProfileCache {
  constructor(
    private readonly redis: Redis,
    private readonly load: (userId: number) => Promise<Profile | null>,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  static key(userId: number): string {
    return `profile:${userId}`;
  }

  async get(userId: number): Promise<Profile | null> {
    const cached = await this.redis.get(ProfileCache.key(userId));
    if (cached !== null) {
      try {
        return JSON.parse(cached) as Profile;
      } catch {
        await this.redis.del(ProfileCache.key(userId));
      }
    }
    const profile = await this.load(userId);
    if (profile !== null) {
      await this.redis.set(ProfileCache.key(userId), JSON.stringify(profile), "PX", this.ttlMs);
    }
    return profile;
  }

  async invalidate(userId: number): Promise<void> {
    await this.redis.del(ProfileCache.key(userId));
  }
}
