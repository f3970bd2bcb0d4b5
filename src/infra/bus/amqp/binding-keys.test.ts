import { describe, expect, it } from 'vitest';
import { EventType } from '../../../features/events/event.js';
import { ErrorCode } from '../../../shared/errors.js';
import { bindingKeysFor } from './binding-keys.js';

describe('bindingKeysFor', () => {
  it('binds # for everything and the type itself for one type', () => {
    expect(bindingKeysFor('*')).toEqual(['#']);
    expect(bindingKeysFor('command_created')).toEqual(['command_created']);
  });

  it('expands a prefix to every known type that has it, and to nothing when none has', () => {
    const keys = bindingKeysFor('agent_*');
    expect(keys).toEqual(
      Object.values(EventType)
        .filter((t) => t.startsWith('agent_'))
        .sort(),
    );
    expect(keys).toContain('agent_registered');
    expect(keys.length).toBeGreaterThan(5);
    expect(
      bindingKeysFor('command_*', ['command_created', 'command_type_deleted', 'config_updated']),
    ).toEqual(['command_created', 'command_type_deleted']);
    expect(bindingKeysFor('nothing_*')).toEqual([]);
  });

  it('refuses patterns that would be topic wildcards', () => {
    for (const bad of ['#', 'agent.*', 'agent_#']) {
      expect(() => bindingKeysFor(bad)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    }
  });
});
