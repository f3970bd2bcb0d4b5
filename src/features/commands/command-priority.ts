// Command priorities and their order: `emergency` jumps every queue. The one
// definition the command model, the scheduler's queue and placement share.

export const CommandPriority = {
  Emergency: 'emergency',
  High: 'high',
  Normal: 'normal',
  Low: 'low',
} as const;
export type CommandPriority = (typeof CommandPriority)[keyof typeof CommandPriority];
export const COMMAND_PRIORITY_VALUES = Object.values(CommandPriority);

/** Lower rank is served first: emergency 0 … low 3. */
export const PRIORITY_RANK: Readonly<Record<CommandPriority, number>> = {
  emergency: 0,
  high: 1,
  normal: 2,
  low: 3,
};
export const priorityRank = (priority: CommandPriority): number => PRIORITY_RANK[priority];
