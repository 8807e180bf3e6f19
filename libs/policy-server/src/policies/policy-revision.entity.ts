import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RolloutMode } from '@pgw/contracts';
import type { ConfigChange } from './config-diff';

/** Immutable: rows are only ever inserted. */
@Entity({ schema: 'policy', name: 'policy_revisions' })
export class PolicyRevisionEntity {
  @PrimaryColumn({ type: 'text' }) project_id: string;
  @PrimaryColumn({ type: 'integer' }) revision: number;
  @Column({ type: 'jsonb' }) config: unknown;
  @Column({ type: 'text' }) rollout_mode: RolloutMode;
  @Column({ type: 'integer' }) canary_percent: number;
  @Column({ type: 'text' }) author: string;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'jsonb' }) diff: ConfigChange[];
  @Column({ type: 'integer', nullable: true }) rolled_back_from: number | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
}
