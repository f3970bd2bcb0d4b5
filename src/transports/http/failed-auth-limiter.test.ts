import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../shared/clock.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';

describe('FailedAuthLimiter', () => {
  it('refuses an address after too many failures in a minute, with the wait until the window ends', () => {
    const clock = new FakeClock();
    const limiter = new FailedAuthLimiter(clock, 3);
    for (let i = 0; i < 3; i++) {
      limiter.check('10.0.0.1');
      limiter.recordFailure('10.0.0.1');
    }
    clock.advance(20_000);
    expect(() => limiter.check('10.0.0.1')).toThrow(
      expect.objectContaining({ code: 'resource_exhausted', retryAfterMs: 40_000 }),
    );
    // Other addresses are unaffected, and the window passes.
    expect(() => limiter.check('10.0.0.2')).not.toThrow();
    clock.advance(40_000);
    expect(() => limiter.check('10.0.0.1')).not.toThrow();
  });
});
