// Reads the rich error details the server attaches to a failed call: the
// `grpc-status-details-bin` trailer carries a google.rpc.Status whose details
// may hold a RetryInfo (when to come back), an ErrorInfo (a stable Corral error
// code) or a BadRequest (which fields were wrong). Decoding never throws: a
// missing or malformed trailer just means no details.
import type { Metadata } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as ErrorDetailsTypes } from '../gen/proto/error_details.js';
import type { ProtoGrpcType as StatusTypes } from '../gen/proto/status.js';
import { LOADER_OPTIONS } from '../transports/grpc/proto-loader.js';

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const RETRY_INFO = 'google.rpc.RetryInfo';
const ERROR_INFO = 'google.rpc.ErrorInfo';
const BAD_REQUEST = 'google.rpc.BadRequest';

export interface ErrorInfoDetail {
  readonly reason: string;
  readonly domain: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface StatusDetails {
  readonly retryDelayMs?: number;
  readonly errorInfo?: ErrorInfoDetail;
  readonly fieldViolations: readonly { readonly field: string; readonly description: string }[];
}

interface Types {
  status: StatusTypes['google']['rpc']['Status'];
  retryInfo: ErrorDetailsTypes['google']['rpc']['RetryInfo'];
  errorInfo: ErrorDetailsTypes['google']['rpc']['ErrorInfo'];
  badRequest: ErrorDetailsTypes['google']['rpc']['BadRequest'];
}

let types: Types | undefined;

function load(): Types {
  if (!types) {
    const definition = protoLoader.loadSync(
      ['google/rpc/status.proto', 'google/rpc/error_details.proto'],
      LOADER_OPTIONS,
    );
    types = {
      status: definition['google.rpc.Status'] as unknown as Types['status'],
      retryInfo: definition[RETRY_INFO] as unknown as Types['retryInfo'],
      errorInfo: definition[ERROR_INFO] as unknown as Types['errorInfo'],
      badRequest: definition[BAD_REQUEST] as unknown as Types['badRequest'],
    };
  }
  return types;
}

const NO_DETAILS: StatusDetails = { fieldViolations: [] };

/** Decodes the details trailer of a failed call's metadata. */
export function decodeStatusDetails(metadata: Metadata | undefined): StatusDetails {
  const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!Buffer.isBuffer(raw)) return NO_DETAILS;
  try {
    const t = load();
    const status = t.status.deserialize(raw);
    let retryDelayMs: number | undefined;
    let errorInfo: ErrorInfoDetail | undefined;
    const fieldViolations: { field: string; description: string }[] = [];
    for (const detail of status.details) {
      switch (detail.type_url.slice(detail.type_url.lastIndexOf('/') + 1)) {
        case RETRY_INFO: {
          const delay = t.retryInfo.deserialize(detail.value).retryDelay;
          if (delay) {
            const ms = delay.seconds * 1_000 + Math.floor(delay.nanos / 1e6);
            if (Number.isFinite(ms) && ms >= 0) retryDelayMs = ms;
          }
          break;
        }
        case ERROR_INFO: {
          const info = t.errorInfo.deserialize(detail.value);
          errorInfo = { reason: info.reason, domain: info.domain, metadata: info.metadata };
          break;
        }
        case BAD_REQUEST:
          for (const v of t.badRequest.deserialize(detail.value).fieldViolations) {
            fieldViolations.push({ field: v.field, description: v.description });
          }
          break;
        default:
        // Details of kinds we do not know are ignored, like unknown fields.
      }
    }
    return {
      ...(retryDelayMs === undefined ? {} : { retryDelayMs }),
      ...(errorInfo ? { errorInfo } : {}),
      fieldViolations,
    };
  } catch {
    return NO_DETAILS;
  }
}

/** The server's requested retry delay on a failed call, if it gave one. */
export function retryDelayOf(error: unknown): number | undefined {
  const metadata = (error as { metadata?: unknown } | null)?.metadata;
  return isMetadata(metadata) ? decodeStatusDetails(metadata).retryDelayMs : undefined;
}

export interface StatusDetailsInput {
  readonly code: number;
  readonly message: string;
  readonly retryDelayMs?: number;
  readonly errorInfo?: ErrorInfoDetail;
}

/** Encodes a google.rpc.Status trailer value; the inverse of decodeStatusDetails (used by test servers). */
export function encodeStatusDetails(input: StatusDetailsInput): Buffer {
  const t = load();
  const details: { type_url: string; value: Buffer }[] = [];
  if (input.retryDelayMs !== undefined) {
    const seconds = Math.floor(input.retryDelayMs / 1_000);
    const nanos = (input.retryDelayMs % 1_000) * 1e6;
    details.push({
      type_url: TYPE_URL_PREFIX + RETRY_INFO,
      value: t.retryInfo.serialize({ retryDelay: { seconds, nanos } }),
    });
  }
  if (input.errorInfo) {
    details.push({
      type_url: TYPE_URL_PREFIX + ERROR_INFO,
      value: t.errorInfo.serialize({ ...input.errorInfo }),
    });
  }
  return t.status.serialize({ code: input.code, message: input.message, details });
}

function isMetadata(value: unknown): value is Metadata {
  return typeof value === 'object' && value !== null && typeof (value as Metadata).get === 'function';
}
