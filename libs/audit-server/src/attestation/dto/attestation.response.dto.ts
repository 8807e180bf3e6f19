import { ApiProperty } from '@nestjs/swagger';

export class AttestationPeriodDto {
  @ApiProperty() from: string;
  @ApiProperty() to: string;
}

export class PolicyRevisionSummaryDto {
  @ApiProperty({ type: String, nullable: true }) policy_id: string | null;
  @ApiProperty({ type: Number, nullable: true }) revision: number | null;
  @ApiProperty() row_count: number;
  @ApiProperty() first_seen_at: string;
  @ApiProperty() last_seen_at: string;
}

export class AttestationDto {
  @ApiProperty({ example: 1 }) version: number;
  @ApiProperty() project_id: string;
  @ApiProperty({ type: AttestationPeriodDto }) period: AttestationPeriodDto;
  @ApiProperty() row_count: number;
  @ApiProperty({ type: String, nullable: true }) first_event_id: string | null;
  @ApiProperty({ type: String, nullable: true }) last_event_id: string | null;
  @ApiProperty({ description: 'hex SHA-256 over the canonical JSONL lines of the rows, oldest first' })
  rows_sha256: string;
  @ApiProperty({ type: [PolicyRevisionSummaryDto] }) policy_revisions: PolicyRevisionSummaryDto[];
  @ApiProperty() generated_at: string;
  @ApiProperty() key_id: string;
}

export class SignedAttestationResponseDto {
  @ApiProperty({ type: AttestationDto }) attestation: AttestationDto;
  @ApiProperty({ description: 'base64 Ed25519 signature over the RFC 8785 canonical JSON of `attestation`' })
  signature: string;
  @ApiProperty({ description: 'informative; verify with the key from GET .../attestations/public-key' })
  public_key_pem: string;
}

export class AttestationPublicKeyResponseDto {
  @ApiProperty({ description: 'first 16 hex characters of sha256(SPKI DER)' }) key_id: string;
  @ApiProperty({ enum: ['Ed25519'] }) algorithm: 'Ed25519';
  @ApiProperty() public_key_pem: string;
  @ApiProperty({ description: 'true when generated at start (ATTESTATION_PRIVATE_KEY unset)' })
  ephemeral: boolean;
}
