// Channel setup: credentials, channel options and the bearer metadata.
import { describe, expect, it } from 'vitest';
import { CorralError } from '../shared/errors.js';
import { bearer, channelCredentials, channelOptions, grpcCode } from './agent-rpc.js';

describe('channel setup', () => {
  it('is plaintext unless TLS or a CA file is asked for', () => {
    expect(channelCredentials({})._isSecure()).toBe(false);
    expect(channelCredentials({ tls: true })._isSecure()).toBe(true);
  });

  it('names an unreadable CA file', () => {
    const attempt = () => channelCredentials({ caFile: '/nonexistent/ca.pem' });
    expect(attempt).toThrow(CorralError);
    expect(attempt).toThrow(/cannot read CA file \/nonexistent\/ca.pem: ENOENT/);
  });

  it('gives a client its own connection only when asked', () => {
    expect(channelOptions({ serverAddress: 'h:1', separateConnection: true })).toMatchObject({
      'grpc.use_local_subchannel_pool': 1,
      'grpc.keepalive_time_ms': 60_000,
    });
    expect(channelOptions({ serverAddress: 'h:1' })).not.toHaveProperty('grpc.use_local_subchannel_pool');
  });

  it('carries the session token as a bearer authorization header', () => {
    expect(bearer('cas_x').get('authorization')).toEqual(['Bearer cas_x']);
  });

  it('recognises gRPC status codes and nothing else', () => {
    expect(grpcCode({ code: 14 })).toBe(14);
    expect(grpcCode(new CorralError('unavailable', 'x'))).toBeUndefined();
    expect(grpcCode({ code: 99 })).toBeUndefined();
    expect(grpcCode(undefined)).toBeUndefined();
  });
});
