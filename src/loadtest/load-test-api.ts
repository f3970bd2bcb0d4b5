// The three admin API calls a load test makes, with their JSON shapes kept in
// one place: an enrollment secret for its agents, one single-agent command,
// and the status of a command whose outcome never reached us.
import type { AdminClient } from '../cli/admin-client.js';
import { AdminApiError } from '../cli/admin-client.js';
import { TERMINAL_STATUSES, type CommandStatus } from '../features/commands/command-state.js';

/** The API answered but refused to create the command (4xx/5xx: rate limit, unknown type, ...). */
export class CommandRefused extends Error {
  override readonly name = 'CommandRefused';
}

export class LoadTestApi {
  constructor(private readonly client: AdminClient) {}

  /** A secret as many agents may enroll with as the load test starts. */
  async enrollmentSecret(name: string, maxUses: number): Promise<string> {
    const created = await this.client.post<{ secret: string }>('/enrollment-secrets', { name, maxUses });
    return created.secret;
  }

  /**
   * Creates one command for one agent and returns its id. Throws CommandRefused
   * when the API answered with a refusal; any other error (no answer) as it is.
   */
  async createCommand(
    agentId: string,
    type: string,
    params?: Readonly<Record<string, unknown>>,
  ): Promise<string> {
    try {
      const created = await this.client.post<{ command: { id: string } }>('/commands', {
        type,
        ...(params === undefined ? {} : { params }),
        target: { kind: 'agent', agentId },
      });
      return created.command.id;
    } catch (error) {
      if (error instanceof AdminApiError && error.status !== 0)
        throw new CommandRefused(error.message.split('\n')[0], { cause: error });
      throw error;
    }
  }

  /** Where a command stands on the server: a terminal status, or `unfinished`, with why. */
  async finalStatus(commandId: string): Promise<{ status: string; reason: string }> {
    try {
      const { status } = await this.client.get<{ status: string }>(
        `/commands/${encodeURIComponent(commandId)}`,
      );
      return TERMINAL_STATUSES.has(status as CommandStatus)
        ? { status, reason: `${status} (no outcome from the agent)` }
        : { status: 'unfinished', reason: `still ${status} when the load test ended` };
    } catch (error) {
      return { status: 'unfinished', reason: `status unknown: ${(error as Error).message}` };
    }
  }
}
