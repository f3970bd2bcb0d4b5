import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { assertPattern, matchesPattern } from './event-bus.js';

describe('event patterns', () => {
  it('match everything, a prefix, or one type', () => {
    expect(matchesPattern('*', 'agent_registered')).toBe(true);
    expect(matchesPattern('agent_*', 'agent_registered')).toBe(true);
    expect(matchesPattern('agent_*', 'command_created')).toBe(false);
    expect(matchesPattern('command_created', 'command_created')).toBe(true);
    expect(matchesPattern('command_created', 'command_created_x')).toBe(false);
  });

  it('accept only *, a type or a prefix', () => {
    for (const good of ['*', 'agent_*', 'agent_registered', 'a*'])
      expect(() => assertPattern(good)).not.toThrow();
    for (const bad of ['', '#', 'agent.registered', 'agent_*_x', '**', 'Agent_*', '*agent']) {
      expect(() => assertPattern(bad), bad).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidArgument }),
      );
    }
  });
});
