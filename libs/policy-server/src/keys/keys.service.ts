import { Injectable } from '@nestjs/common';
import { formatProjectKey, hashKeySecret } from '@pgw/contracts';
import { AdminApiException, notFound, type Page } from '@pgw/server-kit';
import { newKeyId, newKeySecret } from '../common/ids';
import { readKeysetCursor, toPage } from '../common/keyset-cursor';
import { ChangeHistoryRepository } from '../history/change-history.repository';
import { ChangeTransaction } from '../outbox/change-transaction';
import { projectLimits } from '../outbox/state-records';
import { StateOutbox } from '../outbox/state-outbox';
import { findLoosenedLimit } from '../projects/limit-rules';
import { ProjectsService } from '../projects/projects.service';
import type { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import type { CreateKeyRequestDto } from './dto/create-key.request.dto';
import { CreatedKeyResponseDto, KeyResponseDto } from './dto/key.response.dto';

export interface CreateKeyOptions {
  /** Only for the embedded demo key (a stable key across restarts); normally a fresh random secret. */
  secret?: string;
}

@Injectable()
export class KeysService {
  constructor(
    private readonly changeHistoryRepository: ChangeHistoryRepository,
    private readonly apiKeyRepository: ApiKeyRepository,
    private readonly transactions: ChangeTransaction,
    private readonly projects: ProjectsService,
    private readonly stateOutbox: StateOutbox,
  ) {}

  create(
    projectId: string,
    request: CreateKeyRequestDto,
    actor: string,
    options: CreateKeyOptions = {},
  ): Promise<CreatedKeyResponseDto> {
    const now = new Date();
    const expiresAt = request.expires_at ? new Date(request.expires_at) : null;
    if (expiresAt && expiresAt <= now) {
      throw new AdminApiException('invalid_request', 'expires_at must be in the future.', 'expires_at');
    }
    return this.transactions.run(async (tx) => {
      const project = await this.projects.lockForChange(tx, projectId);
      const unknownModel = request.allowed_models?.find((model) => !project.allowed_models.includes(model));
      if (unknownModel !== undefined) {
        const index = request.allowed_models?.indexOf(unknownModel) ?? 0;
        throw new AdminApiException(
          'invalid_request',
          `Model ${JSON.stringify(unknownModel)} is not allowed in this project.`,
          `allowed_models[${index}]`,
        );
      }
      const limits = {
        requests_per_minute: request.limits?.requests_per_minute ?? null,
        tokens_per_minute: request.limits?.tokens_per_minute ?? null,
      };
      const loosened = findLoosenedLimit(projectLimits(project), limits, 'limits', "project's limit");
      if (loosened) throw new AdminApiException('invalid_request', loosened.message, loosened.param);

      const secret = options.secret ?? newKeySecret();
      const key: ApiKeyEntity = {
        id: newKeyId(),
        project_id: projectId,
        name: request.name,
        secret_hash: hashKeySecret(secret),
        allowed_models: request.allowed_models ?? null,
        requests_per_minute: limits.requests_per_minute,
        tokens_per_minute: limits.tokens_per_minute,
        expires_at: expiresAt,
        created_at: now,
        last_used_at: null,
        revoked_at: null,
        updated_at: now,
      };
      await this.apiKeyRepository.insert(tx, key);
      await this.changeHistoryRepository.append(
        tx,
        {
          project_id: projectId,
          entity_type: 'key',
          entity_id: key.id,
          action: 'create',
          actor,
          changes: {
            name: { old: null, new: key.name },
            allowed_models: { old: null, new: key.allowed_models },
            limits: { old: null, new: limits },
            expires_at: { old: null, new: expiresAt?.toISOString() ?? null },
          },
        },
        now,
      );
      await this.stateOutbox.key(tx, key);
      return { ...KeyResponseDto.from(key, now), key: formatProjectKey(key.id, secret) };
    });
  }

  revoke(projectId: string, keyId: string, actor: string): Promise<KeyResponseDto> {
    return this.transactions.run(async (tx) => {
      await this.projects.lockForChange(tx, projectId);
      const key = await this.apiKeyRepository.findInProject(tx, projectId, keyId);
      if (!key) throw notFound('Key');
      if (key.revoked_at) return KeyResponseDto.from(key);
      const now = new Date();
      await this.apiKeyRepository.markRevoked(tx, keyId, now);
      const revoked: ApiKeyEntity = { ...key, revoked_at: now, updated_at: now };
      await this.changeHistoryRepository.append(
        tx,
        {
          project_id: projectId,
          entity_type: 'key',
          entity_id: keyId,
          action: 'revoke',
          actor,
          changes: { revoked_at: { old: null, new: now.toISOString() } },
        },
        now,
      );
      await this.stateOutbox.key(tx, revoked);
      return KeyResponseDto.from(revoked, now);
    });
  }

  async get(projectId: string, keyId: string): Promise<KeyResponseDto> {
    await this.projects.get(projectId);
    const key = await this.transactions.read((manager) =>
      this.apiKeyRepository.findInProject(manager, projectId, keyId),
    );
    if (!key) throw notFound('Key');
    return KeyResponseDto.from(key);
  }

  async list(projectId: string, query: { limit: number; cursor?: string }): Promise<Page<KeyResponseDto>> {
    await this.projects.get(projectId);
    const rows = await this.transactions.read((manager) =>
      this.apiKeyRepository.list(manager, projectId, readKeysetCursor(query.cursor), query.limit + 1),
    );
    const now = new Date();
    return toPage(rows, query.limit, (row) => KeyResponseDto.from(row, now));
  }

  /** For the seed: an active key of the project with this secret, if it exists. */
  findActiveBySecret(projectId: string, secret: string): Promise<ApiKeyEntity | null> {
    return this.transactions
      .read((manager) => this.apiKeyRepository.findBySecretHash(manager, projectId, hashKeySecret(secret)))
      .then((key) => (key && !key.revoked_at ? key : null));
  }
}
