import Redis from 'ioredis';
import type { ResponseOwner, ResponseOwnershipStore } from './response-ownership';

/** The response → project map in the gateway's Redis: one key per response id, expiring by itself. */
export class RedisResponseOwnership implements ResponseOwnershipStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly onError: (error: unknown) => void,
  ) {
    this.redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
    this.redis.on('error', onError);
  }

  remember(id: string, owner: ResponseOwner, ttlSeconds: number): void {
    const value = JSON.stringify([owner.projectId, owner.model]);
    this.redis.set(this.keyPrefix + id, value, 'EX', Math.max(1, ttlSeconds)).catch(this.onError);
  }

  async lookup(id: string): Promise<ResponseOwner | null> {
    const value = await this.redis.get(this.keyPrefix + id);
    if (value === null) return null;
    const [projectId, model] = JSON.parse(value) as [string, string];
    return { projectId, model };
  }

  forget(id: string): void {
    this.redis.del(this.keyPrefix + id).catch(this.onError);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
