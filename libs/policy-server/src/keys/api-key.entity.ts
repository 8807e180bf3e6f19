import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'policy', name: 'api_keys' })
export class ApiKeyEntity {
  /** The public key id (`pgw_<id>_<secret>`). */
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) project_id: string;
  @Column({ type: 'text' }) name: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  @Column({ type: 'text' }) secret_hash: string;
  @Column({ type: 'jsonb', nullable: true }) allowed_models: string[] | null;
  @Column({ type: 'integer', nullable: true }) requests_per_minute: number | null;
  @Column({ type: 'integer', nullable: true }) tokens_per_minute: number | null;
  @Column({ type: 'timestamptz', nullable: true }) expires_at: Date | null;
  @Column({ type: 'timestamptz' }) created_at: Date;
  @Column({ type: 'timestamptz', nullable: true }) last_used_at: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) revoked_at: Date | null;
  @Column({ type: 'timestamptz' }) updated_at: Date;
}
