import { IsOptional, registerDecorator, type ValidationArguments } from 'class-validator';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyIdOf } from './attestation-core';

/** The key that signs attestations. `ephemeral`: generated at start, so its signatures die with the process. */
export interface AttestationKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  ephemeral: boolean;
}

/** The Ed25519 private key in `pem` (PKCS#8), or null when it is not one. Never echoes the text. */
export function parseEd25519PrivateKey(pem: string): KeyObject | null {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** The configured key, or (pem undefined) an ephemeral one generated now. */
export function loadAttestationKey(pem: string | undefined): AttestationKey {
  const privateKey =
    pem === undefined ? generateKeyPairSync('ed25519').privateKey : parseEd25519PrivateKey(pem);
  if (!privateKey) throw new Error('The attestation private key is not an Ed25519 private key (PKCS#8 PEM).');
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
    ephemeral: pem === undefined,
  };
}

/** `ATTESTATION_PRIVATE_KEY` (PEM text) or `ATTESTATION_PRIVATE_KEY_FILE` (a path) → the PEM; empty = unset. */
export function attestationKeyPem(env: { pem?: string; file?: string }): string | undefined {
  if (env.pem) return env.pem;
  return env.file ? readFileSync(env.file, 'utf8') : undefined;
}

function readable(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Config validation: the variable holds an Ed25519 private key PEM (the message never shows the value). */
export function IsEd25519PrivateKeyPem(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEd25519PrivateKeyPem',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        // Empty = unset: compose passes `${ATTESTATION_PRIVATE_KEY:-}` through as ''.
        validate: (value: unknown) =>
          value === '' || (typeof value === 'string' && parseEd25519PrivateKey(value) !== null),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must hold an Ed25519 private key in PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")`,
      },
    });
}

/**
 * Config validation: the variable names a readable file holding an Ed25519 private key PEM, and the PEM
 * variable `pemProperty` is not set as well (one source of the key, never two that could disagree).
 */
export function IsEd25519PrivateKeyFile(pemProperty: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEd25519PrivateKeyFile',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          if (value === '') return true;
          if (typeof value !== 'string') return false;
          if ((args?.object as Record<string, unknown> | undefined)?.[pemProperty]) return false;
          const pem = readable(value);
          return pem !== null && parseEd25519PrivateKey(pem) !== null;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must name a readable file with an Ed25519 private key in PKCS#8 PEM, and ${pemProperty} must then be unset`,
      },
    });
}

/** Any config class (the mixin below adds the attestation key's variables to it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires `any[]` for mixin bases
type ConfigClass = new (...args: any[]) => object;

/**
 * Adds the attestation key's two environment variables to a config class: the PEM itself (secret) or a
 * file holding it (a mounted Kubernetes secret). Both unset: an ephemeral key, dev only. A mixin, so the
 * audit service adds them to the services' common environment and the embedded process to its own.
 */
export function withAttestationKeyEnv<Base extends ConfigClass>(base: Base) {
  class WithAttestationKey extends base {
    /** Secret: PKCS#8 PEM of the Ed25519 key that signs attestations. */
    @IsOptional()
    @IsEd25519PrivateKeyPem()
    ATTESTATION_PRIVATE_KEY?: string;

    /** A file holding that PEM instead. */
    @IsOptional()
    @IsEd25519PrivateKeyFile('ATTESTATION_PRIVATE_KEY')
    ATTESTATION_PRIVATE_KEY_FILE?: string;

    /** The PEM from whichever variable is set; undefined = generate an ephemeral key. */
    get attestationPrivateKeyPem(): string | undefined {
      return attestationKeyPem({
        pem: this.ATTESTATION_PRIVATE_KEY,
        file: this.ATTESTATION_PRIVATE_KEY_FILE,
      });
    }
  }
  return WithAttestationKey;
}

/** The attestation key's variables on their own (the embedded process's config extends this). */
export class AttestationKeyEnv extends withAttestationKeyEnv(class {}) {}
