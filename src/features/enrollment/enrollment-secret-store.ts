import type { EnrollmentSecret } from './enrollment-secret.js';

export interface EnrollmentSecretStore {
  insert(secret: EnrollmentSecret): Promise<void>;
  get(id: string): Promise<EnrollmentSecret | undefined>;
  findByHash(secretHash: string): Promise<EnrollmentSecret | undefined>;
  /** Counts one use if the secret is still usable at `nowMs`; false otherwise. Atomic. */
  consume(id: string, nowMs: number): Promise<boolean>;
  revoke(id: string, at: number): Promise<boolean>;
  list(page: {
    afterId?: string;
    limit: number;
  }): Promise<{ items: EnrollmentSecret[]; nextAfterId: string | undefined }>;
}
