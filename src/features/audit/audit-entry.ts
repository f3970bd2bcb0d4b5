// One admin mutation, who made it and how it ended. Never holds a secret.

export interface AuditEntry {
  readonly id: string;
  readonly at: number;
  /** `api_key:<id>` or `system`. */
  readonly actor: string;
  readonly actorName: string;
  /** Dotted verb, e.g. `agent.unregister`, `enrollment_secret.create`. */
  readonly action: string;
  readonly targetKind: string;
  readonly targetId: string | null;
  readonly outcome: 'success' | 'failure';
  readonly errorCode: string | null;
  readonly requestId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditFilter {
  readonly actor?: string;
  readonly action?: string;
  readonly targetId?: string;
  readonly outcome?: 'success' | 'failure';
  readonly since?: number;
}
