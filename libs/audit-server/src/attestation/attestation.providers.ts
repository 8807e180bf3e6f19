import { AttestationController } from './attestation.controller';
import { AttestationSigner } from './attestation-signer';
import { AttestationService } from './attestation.service';

/** What AuditServerModule registers for compliance attestations (it provides the repositories and stores). */
export const ATTESTATION_CONTROLLERS = [AttestationController];
export const ATTESTATION_PROVIDERS = [AttestationSigner, AttestationService];
