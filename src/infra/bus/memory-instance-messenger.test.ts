// Runs the InstanceMessenger contract on the in-process network.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { describeInstanceMessengerContract } from './instance-messenger.contract.js';
import { MemoryInstanceNetwork } from './memory-instance-messenger.js';

describeInstanceMessengerContract('memory', {
  async network() {
    const network = new MemoryInstanceNetwork();
    return { open: async (id) => network.join(id), cleanUp: async () => undefined };
  },
});

describe('MemoryInstanceNetwork', () => {
  it('refuses a second instance with the same id', () => {
    const network = new MemoryInstanceNetwork();
    network.join('instance-a');
    expect(() => network.join('instance-a')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});
