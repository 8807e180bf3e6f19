import { Injectable } from '@nestjs/common';

/** Resolves once migrations ran and project state is loaded: consumers wait for it before writing. */
@Injectable()
export class AuditReadiness {
  private resolveReady: () => void = () => undefined;
  private isReady = false;
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));

  markReady(): void {
    this.isReady = true;
    this.resolveReady();
  }

  get ok(): boolean {
    return this.isReady;
  }
}
