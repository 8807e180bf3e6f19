import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseProjectKey, secretMatchesHash, TOPICS } from '@pgw/contracts';
import { EVENT_BUS, type EventBus, type FollowSubscription, type IncomingMessage } from '@pgw/messaging';
import { waitAtMost } from './project-state.store';
import { decodeKeyCredential, type KeyCredential } from './state-record.decode';

export interface KeyIdentity {
  keyId: string;
  projectId: string;
}

/** Project keys (hash, project, status, expiry) followed from the key state topic, for the audit APIs' auth. */
@Injectable()
export class KeyStateStore {
  private readonly logger = new Logger(KeyStateStore.name);
  private readonly keys = new Map<string, KeyCredential>();
  private subscription: FollowSubscription | null = null;

  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  async start(timeoutMs: number): Promise<void> {
    this.subscription = await this.bus.follow({ topics: [TOPICS.keyState], onMessage: (m) => this.apply(m) });
    await waitAtMost(this.subscription.caughtUp, timeoutMs, () =>
      this.logger.warn(`key state not caught up after ${timeoutMs} ms`),
    );
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
  }

  /** The key's identity when it is known, active, unexpired and the secret matches; otherwise null. */
  authenticate(rawKey: string, now: number = Date.now()): KeyIdentity | null {
    const parsed = parseProjectKey(rawKey);
    if (!parsed) return null;
    const key = this.keys.get(parsed.keyId);
    if (!key || key.status !== 'active') return null;
    if (key.expires_at !== null && Date.parse(key.expires_at) <= now) return null;
    if (!secretMatchesHash(parsed.secret, key.secret_hash)) return null;
    return { keyId: key.key_id, projectId: key.project_id };
  }

  private apply(message: IncomingMessage): void {
    if (message.value === null) {
      if (message.key !== null) this.keys.delete(message.key);
      return;
    }
    const key = decodeKeyCredential(message.value);
    if (!key) {
      this.logger.warn(`ignored an unreadable key state record at ${message.partition}:${message.offset}`);
      return;
    }
    this.keys.set(key.key_id, key);
  }
}
