import { Inject, Injectable, Logger } from '@nestjs/common';
import { PLAN_IDS, PLANS, type DecisionPayload, type SameKeys } from '@pgw/contracts';
import { AdminApiException } from '@pgw/server-kit';
import { scopeProject, type AuditPrincipal } from '../access/audit-principal';
import { AUDIT_SERVER_OPTIONS, type AuditServerOptions } from '../audit-server.options';
import {
  DecisionQueryRepository,
  type DecisionFilter,
  type DecisionRecord,
  type Keyset,
} from '../query/decision-query.repository';
import { ProjectStateStore } from '../state/project-state.store';
import {
  ATTESTATION_VERSION,
  RowDigest,
  type ATTESTED_COLUMNS,
  type AttestedRow,
  type RowsSummary,
  type SignedAttestation,
} from './attestation-core';
import { AttestationSigner } from './attestation-signer';
import type { CreateAttestationRequestDto } from './dto/create-attestation.request.dto';

// A stored record is exactly an attested row: a column added to one but not the other fails to compile here.
const attestable: (record: DecisionRecord) => AttestedRow = (record) => record;
// The signed columns and the attested row are the decision contract's fields plus the envelope's project id
// (attestation-core imports nothing but node:crypto, so it is checked against the contract here).
type ContractColumns = keyof DecisionPayload | 'project_id';
const columnsAreTheContract: SameKeys<(typeof ATTESTED_COLUMNS)[number], ContractColumns> = true;
const rowIsTheContract: SameKeys<keyof AttestedRow, ContractColumns> = true;
void [columnsAreTheContract, rowIsTheContract];

const PLANS_WITH_ATTESTATIONS = PLAN_IDS.filter((id) => PLANS[id].attestations_allowed).join(', ');

/** Builds signed attestations: one streamed pass over the project's rows of the period, then a signature. */
@Injectable()
export class AttestationService {
  private readonly logger = new Logger(AttestationService.name);

  constructor(
    private readonly decisions: DecisionQueryRepository,
    private readonly projects: ProjectStateStore,
    private readonly signer: AttestationSigner,
    @Inject(AUDIT_SERVER_OPTIONS) private readonly options: AuditServerOptions,
  ) {}

  async attest(principal: AuditPrincipal, request: CreateAttestationRequestDto): Promise<SignedAttestation> {
    const projectId = scopeProject(principal, request.project_id);
    if (projectId === undefined) {
      throw new AdminApiException(
        'invalid_request',
        'project_id is required with the admin token',
        'project_id',
      );
    }
    const generatedAt = new Date();
    const from = new Date(request.from);
    const to = new Date(request.to);
    if (from.getTime() >= to.getTime())
      throw new AdminApiException('invalid_request', 'to must be later than from', 'to');
    // An attestation states what a closed period holds; a period still running would change under it.
    if (to.getTime() > generatedAt.getTime())
      throw new AdminApiException('invalid_request', 'to must not be in the future', 'to');
    this.requireAttestationsPlan(principal, projectId);

    const summary = await this.digest({ projectId, from, to });
    const signed = this.signer.sign({
      version: ATTESTATION_VERSION,
      project_id: projectId,
      period: { from: from.toISOString(), to: to.toISOString() },
      ...summary,
      generated_at: generatedAt.toISOString(),
      key_id: this.signer.keyId,
    });
    this.logger.log(
      `attestation for ${projectId} [${from.toISOString()}, ${to.toISOString()}): ` +
        `${summary.row_count} rows, key ${this.signer.keyId}`,
    );
    return signed;
  }

  private requireAttestationsPlan(principal: AuditPrincipal, projectId: string): void {
    const plan = this.projects.planOf(projectId);
    if (!plan) throw new AdminApiException('not_found', `project ${projectId} not found`, 'project_id');
    if (!plan.attestations_allowed) {
      throw new AdminApiException(
        'plan_feature_unavailable',
        `Compliance attestations are available on the ${PLANS_WITH_ATTESTATIONS} plan; ` +
          `project ${projectId} is on the ${plan.id} plan.`,
        principal.kind === 'admin' ? 'project_id' : null,
      );
    }
  }

  /** Keyset pages in export order (the export's own reads), so memory stays constant whatever the period. */
  private async digest(filter: DecisionFilter): Promise<RowsSummary> {
    const digest = new RowDigest();
    const pageSize = this.options.exportPageSize ?? 5_000;
    let after: Keyset | null = null;
    for (;;) {
      const rows = await this.decisions.page(filter, after, pageSize, 'asc');
      for (const row of rows) digest.add(attestable(row));
      if (rows.length < pageSize) return digest.summary();
      const last = rows[rows.length - 1];
      after = { createdAt: last.created_at, eventId: last.event_id };
    }
  }
}
