// Runs the Leases contract (with LeaderLease) on MemoryLeases, on real time
// that the tests can also move forward.
import { ShiftedClock } from '../contract-subject.fixtures.js';
import { describeLeasesContract } from './leases.contract.js';
import { MemoryLeases } from './memory-leases.js';

describeLeasesContract('memory', async () => {
  const clock = new ShiftedClock();
  const leases = new MemoryLeases(clock);
  return {
    first: leases,
    second: leases,
    clock,
    elapse: async (ms) => clock.advance(ms),
    close: async () => {},
  };
});
