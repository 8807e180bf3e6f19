import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUDIT_SERVER_OPTIONS, type AuditServerOptions } from '../audit-server.options';
import { signAttestation, type Attestation, type SignedAttestation } from './attestation-core';
import { loadAttestationKey, type AttestationKey } from './attestation-key';

/** Holds the attestation signing key for the life of the process (the private key never leaves it). */
@Injectable()
export class AttestationSigner {
  private readonly logger = new Logger(AttestationSigner.name);
  private readonly key: AttestationKey;

  constructor(@Inject(AUDIT_SERVER_OPTIONS) options: AuditServerOptions) {
    this.key = loadAttestationKey(options.attestationPrivateKeyPem);
    if (this.key.ephemeral) {
      this.logger.warn(
        `ATTESTATION_PRIVATE_KEY is not set: compliance attestations are signed with an ephemeral key ` +
          `(key_id ${this.key.keyId}) generated at start; they will not verify after a restart.`,
      );
    }
  }

  get keyId(): string {
    return this.key.keyId;
  }

  get publicKey(): { key_id: string; algorithm: 'Ed25519'; public_key_pem: string; ephemeral: boolean } {
    return {
      key_id: this.key.keyId,
      algorithm: 'Ed25519',
      public_key_pem: this.key.publicKeyPem,
      ephemeral: this.key.ephemeral,
    };
  }

  sign(attestation: Attestation): SignedAttestation {
    return {
      attestation,
      signature: signAttestation(attestation, this.key.privateKey),
      public_key_pem: this.key.publicKeyPem,
    };
  }
}
