// Instances as the admin API shows them (GET /instances, /status, drain and resume answers).
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import { InstanceState } from './instance-drain.js';
import type { InstanceRequest, InstanceView } from './instance-admin.js';

const stateSchema = z
  .enum([InstanceState.Serving, InstanceState.Draining])
  .describe('draining: an operator drain is moving its agents to other instances and it refuses new ones');

export const instanceJsonSchema = z.strictObject({
  instanceId: z.string(),
  state: stateSchema,
  address: z.string().describe('Its gRPC agent API address'),
  agents: z.number().int().describe('Agent streams it holds'),
  version: z.string(),
  startedAt: isoTimeSchema,
  seenAt: isoTimeSchema.describe('Its last presence heartbeat (its own clock)'),
});

export function instanceJson(instance: InstanceView): z.output<typeof instanceJsonSchema> {
  return {
    instanceId: instance.instanceId,
    state: instance.state,
    address: instance.address,
    agents: instance.agents,
    version: instance.version,
    startedAt: isoTime(instance.startedAt),
    seenAt: isoTime(instance.seenAt),
  };
}

export const instanceListJsonSchema = z.strictObject({
  items: z.array(instanceJsonSchema).describe('Live instances sharing this fleet (this one included), by id'),
});

export const instanceRequestJsonSchema = z.strictObject({
  instanceId: z.string(),
  state: stateSchema.describe('The state asked for'),
});

export function instanceRequestJson(request: InstanceRequest): z.output<typeof instanceRequestJsonSchema> {
  return { instanceId: request.instanceId, state: request.state };
}
