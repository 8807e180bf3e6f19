import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { POLICY_CONNECTION } from '../database/policy-migrations';
import { ApiKeyRepository } from '../keys/api-key.repository';
import { PolicyRevisionRepository } from '../policies/policy-revision.repository';
import { ProjectRepository } from '../projects/project.repository';
import { OutboxRelay } from './outbox.relay';
import { StateOutbox } from './state-outbox';

/**
 * Re-publishes the full current state (every project, every key incl. revoked ones, every active policy)
 * through the outbox. Kafka's compacted topics keep state across restarts; the embedded in-process bus
 * does not, so the embedded composition root calls this at start.
 */
@Injectable()
export class StateRepublisher {
  constructor(
    private readonly projectRepository: ProjectRepository,
    private readonly policyRevisionRepository: PolicyRevisionRepository,
    private readonly apiKeyRepository: ApiKeyRepository,
    @InjectDataSource(POLICY_CONNECTION) private readonly dataSource: DataSource,
    private readonly stateOutbox: StateOutbox,
    private readonly relay: OutboxRelay,
  ) {}

  async republishAll(): Promise<{ projects: number; keys: number; policies: number }> {
    const counts = await this.dataSource.transaction(async (tx) => {
      const projects = await this.projectRepository.all(tx);
      let policies = 0;
      for (const project of projects) {
        await this.stateOutbox.project(tx, project);
        if (project.active_revision === null) continue;
        const revision = await this.policyRevisionRepository.find(tx, project.id, project.active_revision);
        if (revision) {
          await this.stateOutbox.activePolicy(
            tx,
            revision,
            project.policy_activated_at ?? revision.created_at,
          );
          policies += 1;
        }
      }
      const keys = await this.apiKeyRepository.all(tx);
      for (const key of keys) await this.stateOutbox.key(tx, key);
      return { projects: projects.length, keys: keys.length, policies };
    });
    await this.relay.drainNow();
    return counts;
  }
}
