// Command priorities and their order. `emergency` jumps everything else in the
// command queue; the rank is the only thing the queue compares.

export const Priority = {
  Emergency: 'emergency',
  High: 'high',
  Normal: 'normal',
  Low: 'low',
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
export const PRIORITY_VALUES = Object.values(Priority);

/** Lower rank is served first. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = {
  emergency: 0,
  high: 1,
  normal: 2,
  low: 3,
};
