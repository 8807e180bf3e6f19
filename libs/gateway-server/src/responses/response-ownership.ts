/**
 * Which project created a stored response (POST /v1/responses with store on): metadata only, the id, the
 * project and the model (to route the later GET/DELETE), never any text. Kept for the project's audit
 * retention. Only the creating project may read, delete, list the input of, or continue from
 * (previous_response_id) a response; anyone else gets a 404 as if it did not exist.
 *
 * Why Redis (and not Postgres through an event): the gateway answers a retrieve that may follow the create
 * by milliseconds, on any replica. An event consumed into Postgres would make that lookup race the consumer
 * and put a database read on the gateway's path, which today reads only its followed state and Redis. The
 * gateway's Redis (the one of rate limits and budgets) is shared by the replicas, written before the
 * response reaches the client, and expires the key itself (TTL = audit retention). A replica without
 * Redis keeps the map in memory (bounded), as it does its limits. A lost key fails closed: 404.
 */
export interface ResponseOwner {
  projectId: string;
  model: string;
}

export interface ResponseOwnershipStore {
  remember(id: string, owner: ResponseOwner, ttlSeconds: number): void;
  lookup(id: string): ResponseOwner | null | Promise<ResponseOwner | null>;
  forget(id: string): void;
  close(): Promise<void>;
}

export const RESPONSE_OWNERSHIP = Symbol('RESPONSE_OWNERSHIP');

/** The oldest entries go first past this many (a single replica's memory stays bounded). */
const MAX_MEMORY_ENTRIES = 200_000;

export class MemoryResponseOwnership implements ResponseOwnershipStore {
  private readonly owners = new Map<string, { owner: ResponseOwner; expiresMs: number }>();

  constructor(private readonly clock: () => number = Date.now) {}

  remember(id: string, owner: ResponseOwner, ttlSeconds: number): void {
    this.owners.delete(id);
    this.owners.set(id, { owner, expiresMs: this.clock() + ttlSeconds * 1000 });
    if (this.owners.size > MAX_MEMORY_ENTRIES) this.owners.delete(this.owners.keys().next().value as string);
  }

  lookup(id: string): ResponseOwner | null {
    const entry = this.owners.get(id);
    if (!entry) return null;
    if (entry.expiresMs <= this.clock()) {
      this.owners.delete(id);
      return null;
    }
    return entry.owner;
  }

  forget(id: string): void {
    this.owners.delete(id);
  }

  async close(): Promise<void> {
    this.owners.clear();
  }
}
