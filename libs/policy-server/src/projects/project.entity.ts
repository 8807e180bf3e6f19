import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PlanId, RolloutMode } from '@pgw/contracts';
import { bigintNumber } from '../database/transformers';

@Entity({ schema: 'policy', name: 'projects' })
export class ProjectEntity {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) plan: PlanId;
  @Column({ type: 'text' }) default_rollout_mode: RolloutMode;
  @Column({ type: 'jsonb' }) allowed_models: string[];
  /** Project overrides; null = the plan's default. */
  @Column({ type: 'integer', nullable: true }) requests_per_minute: number | null;
  @Column({ type: 'integer', nullable: true }) tokens_per_minute: number | null;
  /** Default per-key limits; null = no per-key limit beyond the project's. */
  @Column({ type: 'integer', nullable: true }) key_requests_per_minute: number | null;
  @Column({ type: 'integer', nullable: true }) key_tokens_per_minute: number | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber }) monthly_budget_micros: number | null;
  @Column({ type: 'integer' }) budget_soft_alert_percent: number;
  @Column({ type: 'integer' }) audit_retention_days: number;
  @Column({ type: 'integer', nullable: true }) active_revision: number | null;
  @Column({ type: 'timestamptz', nullable: true }) policy_activated_at: Date | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}
