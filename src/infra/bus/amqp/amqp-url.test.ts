import { describe, expect, it } from 'vitest';
import { redactUrl, withDefaultHeartbeat } from './amqp-url.js';

describe('AMQP URLs', () => {
  it('hide the password and keep the rest', () => {
    expect(redactUrl('amqp://corral:s3cr%40t@rabbit:5672/%2f')).toBe('amqp://corral:***@rabbit:5672/%2f');
    expect(redactUrl('amqps://rabbit.example/vhost')).toBe('amqps://rabbit.example/vhost');
    expect(redactUrl('not a url: s3cret')).toBe('<unparseable url>');
  });

  it('ask for a heartbeat unless the URL names one', () => {
    expect(withDefaultHeartbeat('amqp://guest:guest@127.0.0.1:5672', 10)).toBe(
      'amqp://guest:guest@127.0.0.1:5672?heartbeat=10',
    );
    expect(withDefaultHeartbeat('amqp://h/v?heartbeat=30&frameMax=0', 10)).toBe(
      'amqp://h/v?heartbeat=30&frameMax=0',
    );
  });
});
