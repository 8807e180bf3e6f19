import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DEFAULT_AUDIT_RETENTION_DAYS, type RolloutMode } from '@pgw/contracts';
import { defaultPolicyConfig } from '@pgw/policy-engine';
import { AdminApiException, notFound, type Page } from '@pgw/server-kit';
import { fieldChanges } from '../common/field-changes';
import { newProjectId } from '../common/ids';
import { readKeysetCursor, toPage } from '../common/keyset-cursor';
import { ChangeHistoryRepository } from '../history/change-history.repository';
import { ChangeTransaction } from '../outbox/change-transaction';
import { StateOutbox } from '../outbox/state-outbox';
import { PolicyRevisionWriter } from '../policies/policy-revision.writer';
import type { CreateProjectRequestDto } from './dto/create-project.request.dto';
import { ProjectResponseDto } from './dto/project.response.dto';
import type { UpdateProjectRequestDto } from './dto/update-project.request.dto';
import { checkPlanBoundSettings } from './project-rules';
import { ProjectEntity } from './project.entity';
import { ProjectRepository } from './project.repository';

const DEFAULT_SOFT_ALERT_PERCENT = 80;

/** The settings an admin edits, as recorded in the change history (limit overrides, not effective values). */
function settingsOf(project: ProjectEntity): Record<string, unknown> {
  return {
    name: project.name,
    plan: project.plan,
    default_rollout_mode: project.default_rollout_mode,
    allowed_models: project.allowed_models,
    'limits.requests_per_minute': project.requests_per_minute,
    'limits.tokens_per_minute': project.tokens_per_minute,
    'key_limits.requests_per_minute': project.key_requests_per_minute,
    'key_limits.tokens_per_minute': project.key_tokens_per_minute,
    monthly_budget_micros: project.monthly_budget_micros,
    budget_soft_alert_percent: project.budget_soft_alert_percent,
    audit_retention_days: project.audit_retention_days,
  };
}

function assertPlanBound(project: ProjectEntity): void {
  const violation = checkPlanBoundSettings(project);
  if (violation) {
    throw new AdminApiException(
      violation.kind === 'plan_feature' ? 'plan_feature_unavailable' : 'invalid_request',
      violation.message,
      violation.param,
    );
  }
}

/**
 * Revision 1 follows the project's default mode, except canary: a canary needs a share the creator did not
 * give, and the safe reading of "no share" is the whole traffic (enforce).
 */
const firstRevisionMode = (mode: RolloutMode): RolloutMode => (mode === 'canary' ? 'enforce' : mode);

/** `undefined` keeps the current value; `null` is a value (reset / none). */
const patched = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projectRepository: ProjectRepository,
    private readonly changeHistoryRepository: ChangeHistoryRepository,
    private readonly transactions: ChangeTransaction,
    private readonly stateOutbox: StateOutbox,
    private readonly revisions: PolicyRevisionWriter,
  ) {}

  /**
   * A project never runs without a policy: it is created with revision 1 (the creator's `policy`, else
   * the default policy), active at once, in the same transaction, so the gateway receives the project
   * and its policy state together and a new key is never checked against nothing.
   */
  create(request: CreateProjectRequestDto, actor: string): Promise<ProjectResponseDto> {
    const now = new Date();
    const project: ProjectEntity = {
      id: newProjectId(),
      name: request.name,
      plan: request.plan ?? 'free',
      default_rollout_mode: request.default_rollout_mode ?? 'enforce',
      allowed_models: request.allowed_models,
      requests_per_minute: request.limits?.requests_per_minute ?? null,
      tokens_per_minute: request.limits?.tokens_per_minute ?? null,
      key_requests_per_minute: request.key_limits?.requests_per_minute ?? null,
      key_tokens_per_minute: request.key_limits?.tokens_per_minute ?? null,
      monthly_budget_micros: request.monthly_budget_micros ?? null,
      budget_soft_alert_percent: request.budget_soft_alert_percent ?? DEFAULT_SOFT_ALERT_PERCENT,
      audit_retention_days: request.audit_retention_days ?? DEFAULT_AUDIT_RETENTION_DAYS,
      active_revision: null,
      policy_activated_at: null,
      created_at: now,
      updated_at: now,
    };
    assertPlanBound(project);
    const config = request.policy ?? defaultPolicyConfig();
    this.revisions.assertCompiles(config, 'policy');
    return this.transactions.run(async (tx) => {
      await this.projectRepository.insert(tx, project);
      await this.changeHistoryRepository.append(
        tx,
        {
          project_id: project.id,
          entity_type: 'project',
          entity_id: project.id,
          action: 'create',
          actor,
          changes: fieldChanges(null, settingsOf(project)),
        },
        now,
      );
      await this.stateOutbox.project(tx, project);
      const revision = await this.revisions.insert(tx, project, actor, {
        config,
        rolloutMode: firstRevisionMode(project.default_rollout_mode),
        canaryPercent: 0,
        message: request.policy ? 'Initial policy' : 'Default policy (project creation)',
        rolledBackFrom: null,
      });
      const activated = await this.revisions.activate(tx, project, revision);
      await this.changeHistoryRepository.append(
        tx,
        {
          project_id: project.id,
          entity_type: 'policy',
          entity_id: String(revision.revision),
          action: 'create_revision',
          actor,
          changes: {
            revision: revision.revision,
            rollout_mode: revision.rollout_mode,
            canary_percent: revision.canary_percent,
            diff_paths: revision.diff.map((change) => `${change.op} ${change.path}`),
            active_revision: { old: null, new: revision.revision },
          },
        },
        now,
      );
      return ProjectResponseDto.from(activated);
    });
  }

  update(id: string, request: UpdateProjectRequestDto, actor: string): Promise<ProjectResponseDto> {
    return this.transactions.run(async (tx) => {
      const current = await this.lockForChange(tx, id);
      const now = new Date();
      const next: ProjectEntity = {
        ...current,
        name: patched(request.name, current.name),
        plan: patched(request.plan, current.plan),
        default_rollout_mode: patched(request.default_rollout_mode, current.default_rollout_mode),
        allowed_models: patched(request.allowed_models, current.allowed_models),
        requests_per_minute: patched(request.limits?.requests_per_minute, current.requests_per_minute),
        tokens_per_minute: patched(request.limits?.tokens_per_minute, current.tokens_per_minute),
        key_requests_per_minute: patched(
          request.key_limits?.requests_per_minute,
          current.key_requests_per_minute,
        ),
        key_tokens_per_minute: patched(request.key_limits?.tokens_per_minute, current.key_tokens_per_minute),
        monthly_budget_micros: patched(request.monthly_budget_micros, current.monthly_budget_micros),
        budget_soft_alert_percent: patched(
          request.budget_soft_alert_percent,
          current.budget_soft_alert_percent,
        ),
        audit_retention_days: patched(request.audit_retention_days, current.audit_retention_days),
        updated_at: now,
      };
      // Fields with required values cannot be set to null.
      for (const field of [
        'name',
        'plan',
        'default_rollout_mode',
        'allowed_models',
        'budget_soft_alert_percent',
        'audit_retention_days',
      ] as const) {
        if (next[field] === null)
          throw new AdminApiException('invalid_request', `${field} cannot be null.`, field);
      }
      assertPlanBound(next);
      const changes = fieldChanges(settingsOf(current), settingsOf(next));
      if (Object.keys(changes).length === 0) return ProjectResponseDto.from(current);
      await this.projectRepository.update(tx, next);
      await this.changeHistoryRepository.append(
        tx,
        {
          project_id: id,
          entity_type: 'project',
          entity_id: id,
          action: 'plan' in changes ? 'plan_change' : 'update',
          actor,
          changes,
        },
        now,
      );
      await this.stateOutbox.project(tx, next);
      return ProjectResponseDto.from(next);
    });
  }

  async get(id: string): Promise<ProjectResponseDto> {
    const project = await this.transactions.read((manager) => this.projectRepository.findById(manager, id));
    if (!project) throw notFound('Project');
    return ProjectResponseDto.from(project);
  }

  async list(query: { limit: number; cursor?: string }): Promise<Page<ProjectResponseDto>> {
    const rows = await this.transactions.read((manager) =>
      this.projectRepository.list(manager, readKeysetCursor(query.cursor), query.limit + 1),
    );
    return toPage(rows, query.limit, ProjectResponseDto.from);
  }

  /** Loads and row-locks a project for a change in `tx` (keys and policies serialize on it too). */
  async lockForChange(tx: EntityManager, id: string): Promise<ProjectEntity> {
    const project = await this.projectRepository.findById(tx, id, true);
    if (!project) throw notFound('Project');
    return project;
  }
}
