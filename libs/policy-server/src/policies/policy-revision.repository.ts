import { Injectable } from '@nestjs/common';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import { PolicyRevisionEntity } from './policy-revision.entity';

/** Policy-service repositories are injected classes whose methods take the caller's transaction (EntityManager). */
@Injectable()
export class PolicyRevisionRepository {
  find(manager: EntityManager, projectId: string, revision: number): Promise<PolicyRevisionEntity | null> {
    return manager
      .getRepository(PolicyRevisionEntity)
      .findOne({ where: { project_id: projectId, revision } });
  }

  latest(manager: EntityManager, projectId: string): Promise<PolicyRevisionEntity | null> {
    return manager
      .getRepository(PolicyRevisionEntity)
      .findOne({ where: { project_id: projectId }, order: { revision: 'DESC' } });
  }

  async insert(manager: EntityManager, revision: PolicyRevisionEntity): Promise<void> {
    // jsonb columns are typed `unknown`, which TypeORM's deep-partial type cannot express.
    await manager
      .getRepository(PolicyRevisionEntity)
      .insert(revision as QueryDeepPartialEntity<PolicyRevisionEntity>);
  }

  /** Newest first, revisions below `beforeRevision`. */
  list(
    manager: EntityManager,
    projectId: string,
    beforeRevision: number | null,
    limit: number,
  ): Promise<PolicyRevisionEntity[]> {
    const qb = manager
      .getRepository(PolicyRevisionEntity)
      .createQueryBuilder('r')
      .where('r.project_id = :projectId', { projectId });
    if (beforeRevision !== null) qb.andWhere('r.revision < :beforeRevision', { beforeRevision });
    return qb.orderBy('r.revision', 'DESC').limit(limit).getMany();
  }
}
