import { Injectable } from '@nestjs/common';
import { AdminApiException } from '@pgw/server-kit';
import type { DryRunPolicyRequestDto } from './dto/dry-run-policy.request.dto';
import type { DryRunPolicyResponseDto } from './dto/policy-revision.response.dto';
import { PolicyEngineAdapter } from './policy-engine.adapter';
import { PoliciesService } from './policies.service';

/**
 * Evaluates sample text against a draft config or the active revision, in memory. The text is never
 * stored, logged or echoed, and the redacted text is not returned: decision metadata only.
 */
@Injectable()
export class PolicyDryRunService {
  constructor(
    private readonly policies: PoliciesService,
    private readonly engine: PolicyEngineAdapter,
  ) {}

  async dryRun(projectId: string, request: DryRunPolicyRequestDto): Promise<DryRunPolicyResponseDto> {
    let config: unknown = request.config;
    let revision: number | null = null;
    if (config === undefined) {
      const active = await this.policies.findActive(projectId);
      config = active.revision.config;
      revision = active.revision.revision;
    } else {
      await this.policies.findProject(projectId);
    }
    const outcome = this.engine.compile(config);
    if (!outcome.ok) {
      const param = revision === null ? 'config' : 'revision';
      throw new AdminApiException(
        'invalid_request',
        `Invalid policy config: ${outcome.message}`,
        outcome.path ? `${param}.${outcome.path}` : param,
      );
    }
    const decision = outcome.compiled.evaluate(request.text, request.target);
    return { revision, target: request.target, ...decision };
  }
}
