import { Body, Controller, Get, HttpCode, Post, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { AuditAccessGuard } from '../access/audit-access.guard';
import { Principal, type AuditPrincipal } from '../access/audit-principal';
import type { SignedAttestation } from './attestation-core';
import { AttestationSigner } from './attestation-signer';
import { AttestationService } from './attestation.service';
import {
  AttestationPublicKeyResponseDto,
  SignedAttestationResponseDto,
} from './dto/attestation.response.dto';
import { CreateAttestationRequestDto } from './dto/create-attestation.request.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('admin/v1/audit/attestations')
@UseGuards(AuditAccessGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class AttestationController {
  constructor(
    private readonly attestations: AttestationService,
    private readonly signer: AttestationSigner,
  ) {}

  @Post()
  @HttpCode(200) // computed and returned, nothing is stored
  @ApiOperation({
    summary: "Signs a summary of a project's audit log for a period (enterprise plan; verifiable offline).",
  })
  @ApiOkResponse({ type: SignedAttestationResponseDto })
  attest(
    @Principal() principal: AuditPrincipal,
    @Body() body: CreateAttestationRequestDto,
  ): Promise<SignedAttestation> {
    return this.attestations.attest(principal, body);
  }

  @Get('public-key')
  @ApiOperation({ summary: 'The Ed25519 public key that verifies attestations, and its key_id.' })
  @ApiOkResponse({ type: AttestationPublicKeyResponseDto })
  publicKey(): AttestationPublicKeyResponseDto {
    return this.signer.publicKey;
  }
}
