import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TOPIC_CODECS, TOPICS } from '@pgw/contracts';
import type { ApiKeyEntity } from '../keys/api-key.entity';
import type { PolicyRevisionEntity } from '../policies/policy-revision.entity';
import type { ProjectEntity } from '../projects/project.entity';
import { OutboxRelay } from './outbox.relay';
import { toKeyStateRecord, toPolicyStateRecord, toProjectStateRecord } from './state-records';

/** Enqueues state records in the caller's transaction: they are published if and only if it commits. */
@Injectable()
export class StateOutbox {
  constructor(private readonly relay: OutboxRelay) {}

  project(tx: EntityManager, project: ProjectEntity): Promise<void> {
    const record = TOPIC_CODECS.projectState.encode(toProjectStateRecord(project));
    return this.relay.enqueue(tx, TOPICS.projectState, project.id, record);
  }

  key(tx: EntityManager, key: ApiKeyEntity): Promise<void> {
    return this.relay.enqueue(
      tx,
      TOPICS.keyState,
      key.id,
      TOPIC_CODECS.keyState.encode(toKeyStateRecord(key)),
    );
  }

  activePolicy(tx: EntityManager, revision: PolicyRevisionEntity, activatedAt: Date): Promise<void> {
    const record = TOPIC_CODECS.policyState.encode(toPolicyStateRecord(revision, activatedAt));
    return this.relay.enqueue(tx, TOPICS.policyState, revision.project_id, record);
  }
}
