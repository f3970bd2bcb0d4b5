// Runs the Leases contract (with LeaderLease) on RedisLeases against the real Redis.
import { describeWithRedis, redisSubject } from '../redis/test-redis.fixtures.js';
import { describeLeasesContract } from './leases.contract.js';
import { RedisLeases } from './redis-leases.js';

await describeWithRedis('RedisLeases', () => {
  describeLeasesContract(
    'redis',
    redisSubject((connection) => new RedisLeases(connection)),
  );
});
