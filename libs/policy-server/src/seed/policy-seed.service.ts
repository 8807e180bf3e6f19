import { Injectable } from '@nestjs/common';
import { formatProjectKey } from '@pgw/contracts';
import { defaultPolicyConfig } from '@pgw/policy-engine';
import { ChangeTransaction } from '../outbox/change-transaction';
import { KeysService } from '../keys/keys.service';
import { PoliciesService } from '../policies/policies.service';
import { ProjectRepository } from '../projects/project.repository';
import { ProjectsService } from '../projects/projects.service';

export interface SeedDemoProjectOptions {
  name: string;
  allowedModels: string[];
  /** A fixed key secret (43+ base64url chars) so a demo key survives restarts; default a random one. */
  keySecret?: string;
  /** The project's first policy config (default: the default policy every new project gets). */
  policyConfig?: Record<string, unknown>;
  actor?: string;
}

export interface SeededDemoProject {
  projectId: string;
  /** The full key `pgw_<id>_<secret>`. */
  apiKey: string;
  created: boolean;
}

/**
 * Creates (or finds) a demo project with a key, through the same use cases as the admin API (history and
 * outbox included). Idempotent by project name and key secret, so embedded restarts do not pile up keys.
 */
@Injectable()
export class PolicySeedService {
  constructor(
    private readonly projectRepository: ProjectRepository,
    private readonly transactions: ChangeTransaction,
    private readonly projects: ProjectsService,
    private readonly keys: KeysService,
    private readonly policies: PoliciesService,
  ) {}

  async seedDemoProject(options: SeedDemoProjectOptions): Promise<SeededDemoProject> {
    const actor = options.actor ?? 'seed';
    const existing = await this.transactions.read((manager) =>
      this.projectRepository.findByName(manager, options.name),
    );
    const projectId =
      existing?.id ??
      (
        await this.projects.create(
          { name: options.name, allowed_models: options.allowedModels, policy: options.policyConfig },
          actor,
        )
      ).id;
    // A demo project stored before projects were created with a policy gets its first one now.
    if ((existing?.active_revision ?? null) === null && existing) {
      await this.policies.createRevision(
        projectId,
        {
          config: options.policyConfig ?? (defaultPolicyConfig() as unknown as Record<string, unknown>),
          message: 'Demo policy',
        },
        actor,
      );
    }
    if (options.keySecret) {
      const key = await this.keys.findActiveBySecret(projectId, options.keySecret);
      if (key) return { projectId, apiKey: formatProjectKey(key.id, options.keySecret), created: false };
    }
    const created = await this.keys.create(projectId, { name: 'demo' }, actor, { secret: options.keySecret });
    return { projectId, apiKey: created.key, created: existing === null };
  }
}
