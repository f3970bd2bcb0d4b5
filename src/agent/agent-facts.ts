// The facts an agent tells the server about itself at enrollment, filled in
// from the host where the operator gave none: hostname, primary address,
// platform and the agent's version.
import os from 'node:os';
import type { AgentFacts } from '../gen/proto/corral/agent/v1/AgentFacts.js';
import { CORRAL_VERSION } from '../app/version.js';

export interface FactsInput {
  readonly agentId?: string;
  readonly name?: string;
  readonly type?: string;
  readonly capabilities?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

export const DEFAULT_AGENT_TYPE = 'generic';

export function hostFacts(input: FactsInput): AgentFacts {
  const hostname = os.hostname();
  return {
    agentId: input.agentId ?? '',
    name: input.name ?? hostname,
    hostname,
    ipAddress: primaryAddress(os.networkInterfaces()) ?? '',
    version: CORRAL_VERSION,
    type: input.type ?? DEFAULT_AGENT_TYPE,
    capabilities: [...(input.capabilities ?? [])],
    labels: { ...input.labels },
    platform: `${process.platform}/${process.arch}`,
  };
}

/** The first external IPv4 address, else the first external IPv6 one. */
export function primaryAddress(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string | undefined {
  const external = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((info) => !info.internal);
  return (external.find((info) => info.family === 'IPv4') ?? external.find((info) => info.family === 'IPv6'))
    ?.address;
}
