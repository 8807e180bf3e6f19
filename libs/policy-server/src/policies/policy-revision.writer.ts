import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RolloutMode } from '@pgw/contracts';
import { AdminApiException } from '@pgw/server-kit';
import { StateOutbox } from '../outbox/state-outbox';
import type { ProjectEntity } from '../projects/project.entity';
import { ProjectRepository } from '../projects/project.repository';
import { diffConfigs } from './config-diff';
import { PolicyEngineAdapter } from './policy-engine.adapter';
import type { PolicyRevisionEntity } from './policy-revision.entity';
import { PolicyRevisionRepository } from './policy-revision.repository';

export interface NewRevision {
  config: unknown;
  rolloutMode: RolloutMode;
  canaryPercent: number;
  message: string | null;
  rolledBackFrom: number | null;
}

/**
 * Writing revisions, shared by the policy use cases and project creation (a new project's revision 1):
 * validate by compiling, insert the next number, activate (project row + policy state outbox record), all
 * in the caller's transaction.
 */
@Injectable()
export class PolicyRevisionWriter {
  constructor(
    private readonly projectRepository: ProjectRepository,
    private readonly policyRevisionRepository: PolicyRevisionRepository,
    private readonly stateOutbox: StateOutbox,
    private readonly engine: PolicyEngineAdapter,
  ) {}

  /** Engine errors become a 400 whose `param` is the path inside the config (`config.rules[0].action`). */
  assertCompiles(config: unknown, param: string): void {
    const outcome = this.engine.compile(config);
    if (!outcome.ok) {
      throw new AdminApiException(
        'invalid_request',
        `Invalid policy config: ${outcome.message}`,
        outcome.path ? `${param}.${outcome.path}` : param,
      );
    }
  }

  async insert(
    tx: EntityManager,
    project: ProjectEntity,
    actor: string,
    next: NewRevision,
  ): Promise<PolicyRevisionEntity> {
    const latest = await this.policyRevisionRepository.latest(tx, project.id);
    const revision: PolicyRevisionEntity = {
      project_id: project.id,
      revision: (latest?.revision ?? 0) + 1,
      config: next.config,
      rollout_mode: next.rolloutMode,
      canary_percent: next.canaryPercent,
      author: actor,
      message: next.message,
      diff: diffConfigs(latest?.config ?? {}, next.config),
      rolled_back_from: next.rolledBackFrom,
      created_at: new Date(),
    };
    await this.policyRevisionRepository.insert(tx, revision);
    return revision;
  }

  /** Makes `revision` the project's active one and queues its policy state record; returns the updated row. */
  async activate(
    tx: EntityManager,
    project: ProjectEntity,
    revision: PolicyRevisionEntity,
  ): Promise<ProjectEntity> {
    const now = new Date();
    const activated = { ...project, active_revision: revision.revision, policy_activated_at: now };
    await this.projectRepository.update(tx, activated);
    await this.stateOutbox.activePolicy(tx, revision, now);
    return activated;
  }
}
