// Read side of the audit log for the admin API.
import type { Database } from '../../infra/store/stores.js';
import type { AuditFilter } from './audit-entry.js';

export class AuditLog {
  constructor(private readonly db: Database) {}

  list(filter: AuditFilter, page: { afterId?: string; limit: number }) {
    return this.db.audit.list(filter, page);
  }
}
