// What registered command types need from persistence: one record per
// `custom:<name>` type, replaced only at the revision the caller read (If-Match).
// Implemented over SQL (sql-command-type-store.ts); one contract suite
// (command-type-store.contract.ts).
import type { ParamSchemaNode } from './command-types.js';
import type { JsonObject } from './command.js';

export interface StoredCommandType {
  /** `custom:<name>`, the key. */
  readonly name: string;
  readonly description: string;
  /** The checked JSON Schema document of the parameters. */
  readonly schema: ParamSchemaNode;
  readonly example: JsonObject | null;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
  /** 1 when registered, one more on every replace. */
  readonly revision: number;
}

/** What a replace changes; the revision goes up by one. */
export interface CommandTypeReplacement {
  readonly description: string;
  readonly schema: ParamSchemaNode;
  readonly example: JsonObject | null;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface CommandTypeStore {
  /** already_exists when the name is taken. */
  insert(type: StoredCommandType): Promise<void>;
  get(name: string): Promise<StoredCommandType | undefined>;
  /** Every registered type, by name (there are at most MAX_CUSTOM_COMMAND_TYPES). */
  list(): Promise<StoredCommandType[]>;
  count(): Promise<number>;
  /**
   * Replaces a type's description, schema and example, only while its revision
   * is `expectedRevision` (any revision when undefined). The stored type after
   * the change, or undefined when no row matched (absent, or another revision).
   */
  replace(
    name: string,
    replacement: CommandTypeReplacement,
    expectedRevision?: number,
  ): Promise<StoredCommandType | undefined>;
  /** Deletes a type, only at `expectedRevision` when given; false when no row matched. */
  delete(name: string, expectedRevision?: number): Promise<boolean>;
}
