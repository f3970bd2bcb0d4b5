// Runs the Cache contract on MemoryCache, with a fake clock.
import { FakeClock } from '../../shared/clock.js';
import { describeCacheContract } from './cache.contract.js';
import { MemoryCache } from './memory-cache.js';

describeCacheContract('memory', async () => {
  const clock = new FakeClock();
  const cache = new MemoryCache(clock);
  return {
    first: cache,
    second: cache,
    clock,
    elapse: async (ms) => clock.advance(ms),
    close: () => cache.close(),
  };
});
