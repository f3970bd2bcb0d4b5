import type { AuditEntry, AuditFilter } from './audit-entry.js';

export interface AuditStore {
  append(entry: AuditEntry): Promise<void>;
  list(
    filter: AuditFilter,
    page: { afterId?: string; limit: number },
  ): Promise<{ items: AuditEntry[]; nextAfterId: string | undefined }>;
}
