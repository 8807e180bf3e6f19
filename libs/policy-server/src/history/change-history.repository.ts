import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import { ChangeEntity } from './change.entity';

export const ENTITY_TYPES = ['project', 'key', 'policy'] as const;
export type ChangeEntityType = (typeof ENTITY_TYPES)[number];

export interface ChangeEntry {
  project_id: string;
  entity_type: ChangeEntityType;
  entity_id: string;
  action: string;
  actor: string;
  /** WHAT changed: field names with old/new values, revision numbers, diff paths. Never secrets or sample text. */
  changes: Record<string, unknown>;
}

/** Policy-service repositories are injected classes whose methods take the caller's transaction (EntityManager). */
@Injectable()
export class ChangeHistoryRepository {
  async append(tx: EntityManager, entry: ChangeEntry, at: Date): Promise<void> {
    // jsonb columns are typed `unknown`, which TypeORM's deep-partial type cannot express.
    await tx
      .getRepository(ChangeEntity)
      .insert({ ...entry, created_at: at } as QueryDeepPartialEntity<ChangeEntity>);
  }

  /** Newest first; `beforeId` is the cursor (the last id of the previous page). */
  list(
    manager: EntityManager,
    query: { projectId: string; entityType?: string; beforeId: string | null; limit: number },
  ): Promise<ChangeEntity[]> {
    const qb = manager
      .getRepository(ChangeEntity)
      .createQueryBuilder('c')
      .where('c.project_id = :projectId', { projectId: query.projectId });
    if (query.entityType) qb.andWhere('c.entity_type = :entityType', { entityType: query.entityType });
    if (query.beforeId) qb.andWhere('c.id < :beforeId', { beforeId: query.beforeId });
    return qb.orderBy('c.id', 'DESC').limit(query.limit).getMany();
  }
}
