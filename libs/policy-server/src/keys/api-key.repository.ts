import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { KeysetCursor } from '../common/keyset-cursor';
import { ApiKeyEntity } from './api-key.entity';

/** Policy-service repositories are injected classes whose methods take the caller's transaction (EntityManager). */
@Injectable()
export class ApiKeyRepository {
  findInProject(manager: EntityManager, projectId: string, keyId: string): Promise<ApiKeyEntity | null> {
    return manager.getRepository(ApiKeyEntity).findOne({ where: { id: keyId, project_id: projectId } });
  }

  findBySecretHash(
    manager: EntityManager,
    projectId: string,
    secretHash: string,
  ): Promise<ApiKeyEntity | null> {
    return manager
      .getRepository(ApiKeyEntity)
      .findOne({ where: { project_id: projectId, secret_hash: secretHash } });
  }

  async insert(manager: EntityManager, key: ApiKeyEntity): Promise<void> {
    await manager.getRepository(ApiKeyEntity).insert(key);
  }

  async markRevoked(manager: EntityManager, keyId: string, at: Date): Promise<void> {
    await manager.getRepository(ApiKeyEntity).update({ id: keyId }, { revoked_at: at, updated_at: at });
  }

  list(
    manager: EntityManager,
    projectId: string,
    after: KeysetCursor | null,
    limit: number,
  ): Promise<ApiKeyEntity[]> {
    const qb = manager
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .where('k.project_id = :projectId', { projectId });
    if (after)
      qb.andWhere('(k.created_at, k.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    return qb.orderBy('k.created_at', 'DESC').addOrderBy('k.id', 'DESC').limit(limit).getMany();
  }

  all(manager: EntityManager): Promise<ApiKeyEntity[]> {
    return manager.getRepository(ApiKeyEntity).find({ order: { created_at: 'ASC' } });
  }
}
