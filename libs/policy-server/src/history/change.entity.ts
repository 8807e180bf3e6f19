import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ schema: 'policy', name: 'change_history' })
export class ChangeEntity {
  /** bigserial, returned by pg as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'text', nullable: true }) project_id: string | null;
  @Column({ type: 'text' }) entity_type: string;
  @Column({ type: 'text' }) entity_id: string;
  @Column({ type: 'text' }) action: string;
  @Column({ type: 'text' }) actor: string;
  @Column({ type: 'jsonb' }) changes: Record<string, unknown>;
  @Column({ type: 'timestamptz' }) created_at: Date;
}
