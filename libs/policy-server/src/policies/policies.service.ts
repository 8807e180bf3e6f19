import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RolloutMode } from '@pgw/contracts';
import { AdminApiException, encodeCursor, INT4_MAX, notFound, readCursor, type Page } from '@pgw/server-kit';
import { ChangeHistoryRepository } from '../history/change-history.repository';
import { ChangeTransaction } from '../outbox/change-transaction';
import type { ProjectEntity } from '../projects/project.entity';
import { ProjectRepository } from '../projects/project.repository';
import { ProjectsService } from '../projects/projects.service';
import type { CreatePolicyRevisionRequestDto } from './dto/create-policy-revision.request.dto';
import { PolicyRevisionResponseDto } from './dto/policy-revision.response.dto';
import type { RollbackPolicyRequestDto } from './dto/rollback-policy.request.dto';
import { PolicyRevisionWriter } from './policy-revision.writer';
import type { PolicyRevisionEntity } from './policy-revision.entity';
import { PolicyRevisionRepository } from './policy-revision.repository';

/** Immutable revisions: create (validated and compiled first), activate, roll back as a new revision. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly projectRepository: ProjectRepository,
    private readonly changeHistoryRepository: ChangeHistoryRepository,
    private readonly policyRevisionRepository: PolicyRevisionRepository,
    private readonly transactions: ChangeTransaction,
    private readonly projects: ProjectsService,
    private readonly revisions: PolicyRevisionWriter,
  ) {}

  createRevision(
    projectId: string,
    request: CreatePolicyRevisionRequestDto,
    actor: string,
  ): Promise<PolicyRevisionResponseDto> {
    this.revisions.assertCompiles(request.config, 'config');
    return this.transactions.run(async (tx) => {
      const project = await this.projects.lockForChange(tx, projectId);
      const rolloutMode = request.rollout_mode ?? project.default_rollout_mode;
      const canaryPercent = canaryPercentFor(rolloutMode, request.canary_percent);
      const activate = request.activate ?? true;
      const revision = await this.revisions.insert(tx, project, actor, {
        config: request.config,
        rolloutMode,
        canaryPercent,
        message: request.message ?? null,
        rolledBackFrom: null,
      });
      const previousActive = project.active_revision;
      if (activate) await this.revisions.activate(tx, project, revision);
      await this.recordChange(tx, project.id, revision, 'create_revision', actor, {
        revision: revision.revision,
        rollout_mode: revision.rollout_mode,
        canary_percent: revision.canary_percent,
        diff_paths: revision.diff.map((change) => `${change.op} ${change.path}`),
        ...(activate ? { active_revision: { old: previousActive, new: revision.revision } } : {}),
      });
      return PolicyRevisionResponseDto.from(revision, activate ? revision.revision : previousActive);
    });
  }

  activate(projectId: string, revisionNumber: number, actor: string): Promise<PolicyRevisionResponseDto> {
    return this.transactions.run(async (tx) => {
      const project = await this.projects.lockForChange(tx, projectId);
      const revision = await this.policyRevisionRepository.find(tx, projectId, revisionNumber);
      if (!revision) throw notFound('Policy revision');
      if (project.active_revision === revision.revision)
        return PolicyRevisionResponseDto.from(revision, revision.revision);
      this.revisions.assertCompiles(revision.config, 'revision');
      const previousActive = project.active_revision;
      await this.revisions.activate(tx, project, revision);
      await this.recordChange(tx, projectId, revision, 'activate', actor, {
        active_revision: { old: previousActive, new: revision.revision },
      });
      return PolicyRevisionResponseDto.from(revision, revision.revision);
    });
  }

  rollback(
    projectId: string,
    request: RollbackPolicyRequestDto,
    actor: string,
  ): Promise<PolicyRevisionResponseDto> {
    return this.transactions.run(async (tx) => {
      const project = await this.projects.lockForChange(tx, projectId);
      const source = await this.policyRevisionRepository.find(tx, projectId, request.revision);
      if (!source)
        throw new AdminApiException(
          'not_found',
          `Policy revision ${request.revision} not found.`,
          'revision',
        );
      this.revisions.assertCompiles(source.config, 'revision');
      const previousActive = project.active_revision;
      const revision = await this.revisions.insert(tx, project, actor, {
        config: source.config,
        rolloutMode: source.rollout_mode,
        canaryPercent: source.canary_percent,
        message: request.message ?? `Rollback to revision ${source.revision}`,
        rolledBackFrom: source.revision,
      });
      await this.revisions.activate(tx, project, revision);
      await this.recordChange(tx, projectId, revision, 'rollback', actor, {
        revision: revision.revision,
        rolled_back_to: source.revision,
        active_revision: { old: previousActive, new: revision.revision },
        diff_paths: revision.diff.map((change) => `${change.op} ${change.path}`),
      });
      return PolicyRevisionResponseDto.from(revision, revision.revision);
    });
  }

  async list(
    projectId: string,
    query: { limit: number; cursor?: string },
  ): Promise<Page<PolicyRevisionResponseDto>> {
    const project = await this.findProject(projectId);
    const before = readCursor(query.cursor, (value) => {
      const r = (value as { r?: unknown } | null)?.r;
      return Number.isInteger(r) && (r as number) >= 1 && (r as number) <= INT4_MAX
        ? (r as number)
        : undefined;
    });
    const rows = await this.transactions.read((manager) =>
      this.policyRevisionRepository.list(manager, projectId, before, query.limit + 1),
    );
    const page = rows.slice(0, query.limit);
    return {
      data: page.map((row) => PolicyRevisionResponseDto.from(row, project.active_revision)),
      next_cursor: rows.length > query.limit ? encodeCursor({ r: page[page.length - 1].revision }) : null,
    };
  }

  async get(projectId: string, revisionNumber: number): Promise<PolicyRevisionResponseDto> {
    const project = await this.findProject(projectId);
    const revision = await this.transactions.read((manager) =>
      this.policyRevisionRepository.find(manager, projectId, revisionNumber),
    );
    if (!revision) throw notFound('Policy revision');
    return PolicyRevisionResponseDto.from(revision, project.active_revision);
  }

  async getActive(projectId: string): Promise<PolicyRevisionResponseDto> {
    const { project, revision } = await this.findActive(projectId);
    return PolicyRevisionResponseDto.from(revision, project.active_revision);
  }

  /** The project's active revision (404 when the project has none yet). */
  async findActive(projectId: string): Promise<{ project: ProjectEntity; revision: PolicyRevisionEntity }> {
    const project = await this.findProject(projectId);
    const revision =
      project.active_revision === null
        ? null
        : await this.transactions.read((manager) =>
            this.policyRevisionRepository.find(manager, projectId, project.active_revision as number),
          );
    if (!revision) throw new AdminApiException('not_found', 'The project has no active policy revision.');
    return { project, revision };
  }

  async findProject(projectId: string): Promise<ProjectEntity> {
    const project = await this.transactions.read((manager) =>
      this.projectRepository.findById(manager, projectId),
    );
    if (!project) throw notFound('Project');
    return project;
  }

  private recordChange(
    tx: EntityManager,
    projectId: string,
    revision: PolicyRevisionEntity,
    action: string,
    actor: string,
    changes: Record<string, unknown>,
  ): Promise<void> {
    return this.changeHistoryRepository.append(
      tx,
      {
        project_id: projectId,
        entity_type: 'policy',
        entity_id: String(revision.revision),
        action,
        actor,
        changes,
      },
      new Date(),
    );
  }
}

/** canary_percent belongs to canary mode only: required there, refused elsewhere (0 is stored). */
function canaryPercentFor(mode: RolloutMode, requested: number | undefined): number {
  if (mode === 'canary') {
    if (requested === undefined) {
      throw new AdminApiException(
        'invalid_request',
        'canary_percent is required for rollout_mode canary.',
        'canary_percent',
      );
    }
    return requested;
  }
  if (requested !== undefined) {
    throw new AdminApiException(
      'invalid_request',
      'canary_percent applies to rollout_mode canary only.',
      'canary_percent',
    );
  }
  return 0;
}
