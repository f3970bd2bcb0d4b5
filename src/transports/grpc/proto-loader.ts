// Loads the wire contract from proto/ at run time. The options must match the
// generator flags in scripts/proto-gen.js so the generated types in src/gen
// describe exactly what the loader produces.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType } from '../../gen/proto/agent.js';

/** proto/ at the repository root, from either src/ or dist/. */
export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../proto');
export const AGENT_PROTO = 'corral/agent/v1/agent.proto';

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let cached: ProtoGrpcType | undefined;

export function loadAgentProto(): ProtoGrpcType {
  cached ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(AGENT_PROTO, LOADER_OPTIONS),
  ) as unknown as ProtoGrpcType;
  return cached;
}

export const AGENT_SERVICE_NAME = 'corral.agent.v1.AgentService';
