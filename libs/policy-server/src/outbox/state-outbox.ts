import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TOPICS } from '@pgw/contracts';
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
    return this.relay.enqueue(tx, [
      { topic: TOPICS.projectState, key: project.id, value: JSON.stringify(toProjectStateRecord(project)) },
    ]);
  }

  key(tx: EntityManager, key: ApiKeyEntity): Promise<void> {
    return this.relay.enqueue(tx, [
      { topic: TOPICS.keyState, key: key.id, value: JSON.stringify(toKeyStateRecord(key)) },
    ]);
  }

  activePolicy(tx: EntityManager, revision: PolicyRevisionEntity, activatedAt: Date): Promise<void> {
    return this.relay.enqueue(tx, [
      {
        topic: TOPICS.policyState,
        key: revision.project_id,
        value: JSON.stringify(toPolicyStateRecord(revision, activatedAt)),
      },
    ]);
  }
}
