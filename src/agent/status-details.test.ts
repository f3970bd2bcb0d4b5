// Decoding google.rpc.Status details from the grpc-status-details-bin trailer.
import { Metadata, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  STATUS_DETAILS_KEY,
  decodeStatusDetails,
  encodeStatusDetails,
  retryDelayOf,
} from './status-details.js';

function trailer(value: Buffer): Metadata {
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, value);
  return metadata;
}

describe('status details', () => {
  it('decodes RetryInfo and ErrorInfo from the trailer', () => {
    const bytes = encodeStatusDetails({
      code: status.RESOURCE_EXHAUSTED,
      message: 'too many agents connecting',
      retryDelayMs: 2_500,
      errorInfo: { reason: 'resource_exhausted', domain: 'corral.dev', metadata: { limit: 'connect' } },
    });
    expect(decodeStatusDetails(trailer(bytes))).toEqual({
      retryDelayMs: 2_500,
      errorInfo: { reason: 'resource_exhausted', domain: 'corral.dev', metadata: { limit: 'connect' } },
      fieldViolations: [],
    });
  });

  it('reads the retry delay off a service error', () => {
    const error = Object.assign(new Error('slow down'), {
      code: status.RESOURCE_EXHAUSTED,
      metadata: trailer(
        encodeStatusDetails({ code: status.RESOURCE_EXHAUSTED, message: 'x', retryDelayMs: 1_000 }),
      ),
    });
    expect(retryDelayOf(error)).toBe(1_000);
  });

  it('has no details without a trailer, and never throws on garbage', () => {
    expect(decodeStatusDetails(undefined)).toEqual({ fieldViolations: [] });
    expect(decodeStatusDetails(new Metadata())).toEqual({ fieldViolations: [] });
    expect(decodeStatusDetails(trailer(Buffer.from([0xff, 0xff, 0xff, 0x07])))).toEqual({
      fieldViolations: [],
    });
    expect(retryDelayOf(new Error('plain'))).toBeUndefined();
    expect(retryDelayOf(null)).toBeUndefined();
  });
});
