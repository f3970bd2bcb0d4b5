// Read side of the event log for the admin API.
import type { Database } from '../../infra/store/stores.js';
import type { EventFilter } from './event-store.js';

export class EventLog {
  constructor(private readonly db: Database) {}

  list(filter: EventFilter, page: { afterId?: string; limit: number; order: 'asc' | 'desc' }) {
    return this.db.events.list(filter, page);
  }
}
