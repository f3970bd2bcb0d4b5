import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from './redis-connection.js';
import { isRedisUrl, redactRedisUrl, redisUrlProblem, toClientUrl } from './redis-url.js';

describe('Redis URLs', () => {
  it('knows the Redis and Valkey schemes and spells Valkey as Redis for the client', () => {
    expect(['redis://h', 'rediss://h', 'valkey://h', 'VALKEYS://h'].map(isRedisUrl)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(isRedisUrl('memory:')).toBe(false);
    expect(toClientUrl('valkey://:pw@h:6379/1')).toBe('redis://:pw@h:6379/1');
    expect(toClientUrl('valkeys://h')).toBe('rediss://h');
    expect(toClientUrl('redis://h')).toBe('redis://h');
  });

  it('finds what is wrong without quoting the URL', () => {
    expect(redisUrlProblem('redis://h:6379/3')).toBeUndefined();
    expect(redisUrlProblem('redis://h/')).toBeUndefined();
    const problem = redisUrlProblem('redis://:topsecret@h/x');
    expect(problem).toMatch(/database number/);
    expect(problem).not.toContain('topsecret');
    expect(redisUrlProblem('redis://')).toMatch(/^must look like/);
    expect(redisUrlProblem('redis://:x@:1')).toMatch(/^must look like/);
  });

  it('redacts the password and keeps the rest', () => {
    expect(redactRedisUrl('rediss://user:p%40ss@cache:6380/2')).toBe('rediss://user:***@cache:6380/2');
    expect(redactRedisUrl('valkey://:pw@h')).toBe('valkey://:***@h');
    expect(redactRedisUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactRedisUrl('not a url :pw@')).toBe('(unparsable Redis URL)');
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 100 ms to a 3 s cap, within ±25%', () => {
    const middle = (attempt: number) => reconnectDelayMs(attempt, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(middle)).toEqual([100, 200, 400, 800, 1600, 3000, 3000, 3000]);
    expect(reconnectDelayMs(1, () => 0)).toBe(75);
    expect(reconnectDelayMs(1, () => 1)).toBe(125);
  });
});
