// capability_match: the most specialised agent that can do the job first
// (fewest capabilities beyond what was asked), so generalists stay free for
// commands only they can run; ties go to the least loaded.

import { byLeastLoaded } from './least-loaded.js';
import { defineStrategy } from './strategy.js';

export const capabilityMatch = defineStrategy('capability_match', (_request, eligible) =>
  // Every eligible agent has the required capability, so comparing sizes compares the extras.
  [...eligible].sort((a, b) => a.capabilities.size - b.capabilities.size || byLeastLoaded(a, b)),
);
