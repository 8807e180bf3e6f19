import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { KeysetCursor } from '../common/keyset-cursor';
import { ProjectEntity } from './project.entity';

/** Policy-service repositories are injected classes whose methods take the caller's transaction (EntityManager). */
@Injectable()
export class ProjectRepository {
  /** With `lock`, the row stays locked until the transaction ends: changes to one project serialize. */
  findById(manager: EntityManager, id: string, lock = false): Promise<ProjectEntity | null> {
    return manager
      .getRepository(ProjectEntity)
      .findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  findByName(manager: EntityManager, name: string): Promise<ProjectEntity | null> {
    return manager.getRepository(ProjectEntity).findOne({ where: { name }, order: { created_at: 'ASC' } });
  }

  async insert(manager: EntityManager, project: ProjectEntity): Promise<void> {
    await manager.getRepository(ProjectEntity).insert(project);
  }

  async update(manager: EntityManager, project: ProjectEntity): Promise<void> {
    const { id, ...fields } = project;
    await manager.getRepository(ProjectEntity).update({ id }, fields);
  }

  list(manager: EntityManager, after: KeysetCursor | null, limit: number): Promise<ProjectEntity[]> {
    const qb = manager.getRepository(ProjectEntity).createQueryBuilder('p');
    if (after)
      qb.where('(p.created_at, p.id) < (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    return qb.orderBy('p.created_at', 'DESC').addOrderBy('p.id', 'DESC').limit(limit).getMany();
  }

  all(manager: EntityManager): Promise<ProjectEntity[]> {
    return manager.getRepository(ProjectEntity).find({ order: { created_at: 'ASC' } });
  }
}
