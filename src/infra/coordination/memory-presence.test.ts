// Runs the Presence contract (with PresenceKeeper) on MemoryPresence, on real
// time that the tests can also move forward.
import { ShiftedClock } from '../contract-subject.fixtures.js';
import { MemoryPresence } from './memory-presence.js';
import { describePresenceContract } from './presence.contract.js';

describePresenceContract('memory', async () => {
  const clock = new ShiftedClock();
  const presence = new MemoryPresence(clock);
  return {
    first: presence,
    second: presence,
    clock,
    elapse: async (ms) => clock.advance(ms),
    close: async () => {},
  };
});
