// The SQL tables as Kysely sees them. Columns are snake_case; timestamps are
// epoch milliseconds (`bigint` in the migrations, numbers here); lists, maps and
// heartbeat samples are JSON text. Shared by every SQL dialect Corral supports.

export interface AgentsTable {
  id: string;
  name: string;
  hostname: string;
  ip_address: string;
  version: string;
  type: string;
  platform: string;
  /** JSON array of strings; agent_capabilities mirrors it for filtering. */
  capabilities: string;
  /** JSON object of strings; agent_labels mirrors it for filtering. */
  labels: string;
  credential_hash: string | null;
  /** SHA-256 of the nonce the agent enrolled with (a lost answer may be asked for again). */
  enrollment_nonce_hash: string | null;
  status: string;
  status_changed_at: number;
  health: string;
  /** JSON array of strings. */
  health_reasons: string;
  health_changed_at: number;
  enrolled_at: number;
  updated_at: number;
  last_seen_at: number | null;
  /** JSON HeartbeatSample, or null before the first heartbeat. */
  last_heartbeat: string | null;
  enrollment_secret_id: string | null;
  revision: number;
}

export interface AgentLabelsTable {
  agent_id: string;
  key: string;
  value: string;
}

export interface AgentCapabilitiesTable {
  agent_id: string;
  capability: string;
}

export interface SessionsTable {
  id: string;
  agent_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  peer: string;
}

export interface EnrollmentSecretsTable {
  id: string;
  name: string;
  secret_hash: string;
  hint: string;
  group_id: string | null;
  max_uses: number | null;
  uses: number;
  expires_at: number | null;
  revoked_at: number | null;
  created_at: number;
  created_by: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  key_hash: string;
  hint: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface EventsTable {
  id: string;
  type: string;
  schema_version: number;
  subject_kind: string;
  subject_id: string;
  actor: string;
  occurred_at: number;
  /** JSON object. */
  data: string;
  /** Null until the relay has handed the event to the bus (the outbox). */
  published_at: number | null;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor: string;
  actor_name: string;
  action: string;
  target_kind: string;
  target_id: string | null;
  outcome: string;
  error_code: string | null;
  request_id: string | null;
  /** JSON object. */
  details: string;
}

export interface CommandsTable {
  id: string;
  type: string;
  /** JSON object. */
  params: string;
  priority: string;
  /** PRIORITY_RANK of priority, so pending commands sort in the index. */
  priority_rank: number;
  /** JSON CommandTarget. */
  target: string;
  /** Null on a bulk parent. */
  agent_id: string | null;
  parent_id: string | null;
  requester: string;
  idempotency_key: string | null;
  created_at: number;
  deadline_at: number;
  expires_at: number;
  status: string;
  deliveries: number;
  /** JSON CommandProgress, JsonValue, CommandFailure; null when unset. */
  progress: string | null;
  result: string | null;
  error: string | null;
  updated_at: number;
  /**
   * Every status the command was stored in, oldest first: comma-separated JSON
   * entries {"status","at","detail"?} without the enclosing brackets, so that a
   * transition appends with `history || ','…` (command-rows.ts).
   */
  history: string;
}

export interface CommandIdempotencyTable {
  requester: string;
  key: string;
  command_id: string;
  request_hash: string;
  created_at: number;
}

export interface CommandTypesTable {
  /** `custom:<name>`. */
  name: string;
  description: string;
  /** JSON ParamSchemaNode (the registered JSON Schema document). */
  schema: string;
  /** JSON object, or null when the type has no example. */
  example: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
  /** 1 on insert, +1 on every replace; the ETag. */
  revision: number;
}

export interface GroupsTable {
  id: string;
  name: string;
  description: string;
  /** 'static' | 'dynamic'. */
  kind: string;
  /** JSON object of strings for dynamic groups (group_selector_labels mirrors it); null for static ones. */
  selector: string | null;
  priority: number;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
  /** 1 on insert, +1 on every update; the ETag. */
  revision: number;
}

/** Members of static groups only; dynamic membership is computed, never stored. */
export interface GroupMembersTable {
  group_id: string;
  agent_id: string;
  added_at: number;
  added_by: string;
}

export interface GroupSelectorLabelsTable {
  group_id: string;
  key: string;
  value: string;
}

export interface ConfigLayersTable {
  /** 'fleet' | 'group' | 'agent'. */
  scope_kind: string;
  /** '' for the fleet. */
  scope_id: string;
  /** JSON ConfigurationLayer. */
  document: string;
  /** 1 on the first write, +1 on every change; the ETag. */
  revision: number;
  revision_id: string;
  updated_at: number;
  updated_by: string;
}

export interface ConfigRevisionsTable {
  id: string;
  scope_kind: string;
  scope_id: string;
  revision: number;
  /** JSON ConfigurationLayer as it was after this change. */
  document: string;
  /** JSON DocumentChange[] against the previous revision. */
  diff: string;
  author: string;
  reason: string;
  created_at: number;
}

export interface AgentDesiredStateTable {
  agent_id: string;
  config_desired_hash: string;
  config_sent_at: number;
  config_applied_hash: string | null;
  /** 'sent' | 'applied' | 'failed'. */
  config_status: string;
  config_error: string | null;
  config_reported_at: number | null;
  policy_desired_hash: string;
  policy_sent_at: number;
  policy_applied_hash: string | null;
  policy_status: string;
  policy_error: string | null;
  policy_reported_at: number | null;
  /** 'pending' | 'compliant' | 'non_compliant'. */
  compliance: string;
  compliance_reason: string;
  compliance_changed_at: number;
}

export interface PoliciesTable {
  id: string;
  /** Unique. */
  name: string;
  description: string;
  /** 'enforce' | 'monitor'. */
  mode: string;
  /** JSON RulesDocument ({defaultAction, rules}) of the current version. */
  document: string;
  /** Copied out of the document so listings need not read it. */
  default_action: string;
  rule_count: number;
  /** The current version: 1 on insert, +1 on every update; the ETag. */
  version: number;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
}

/** Every version of every policy, immutable: a full snapshot each. */
export interface PolicyVersionsTable {
  policy_id: string;
  version: number;
  name: string;
  description: string;
  mode: string;
  document: string;
  default_action: string;
  rule_count: number;
  author: string;
  created_at: number;
  reason: string;
}

export interface PolicyAssignmentsTable {
  policy_id: string;
  /** 'agent' | 'group'. */
  target_kind: string;
  target_id: string;
  assigned_at: number;
  assigned_by: string;
}

export interface FleetSettingsTable {
  /** e.g. 'maintenance'. */
  name: string;
  /** The setting's value as JSON. */
  value: string;
  updated_at: number;
  updated_by: string;
}

export interface BackupsTable {
  id: string;
  name: string;
  /** 'fleet' | 'group:<id>' | 'agent:<id>'. */
  scope: string;
  created_at: number;
  created_by: string;
  /** sha256 (hex) of the canonical JSON of the document's content. */
  checksum: string;
  /** Bytes of `document`. */
  size: number;
  /** The backup document (JSON), exactly as made. */
  document: string;
}

export interface DB {
  agents: AgentsTable;
  agent_labels: AgentLabelsTable;
  agent_capabilities: AgentCapabilitiesTable;
  sessions: SessionsTable;
  enrollment_secrets: EnrollmentSecretsTable;
  api_keys: ApiKeysTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  commands: CommandsTable;
  command_idempotency: CommandIdempotencyTable;
  command_types: CommandTypesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  group_selector_labels: GroupSelectorLabelsTable;
  config_layers: ConfigLayersTable;
  config_revisions: ConfigRevisionsTable;
  agent_desired_state: AgentDesiredStateTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  policy_assignments: PolicyAssignmentsTable;
  backups: BackupsTable;
  fleet_settings: FleetSettingsTable;
}
