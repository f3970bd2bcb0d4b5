// The flags every admin verb shares: where the API is and which key to use.
import { Option, type Command } from 'commander';
import { AdminClient } from './admin-client.js';
import { UsageError } from './usage-error.js';

export interface AdminFlags {
  readonly apiUrl: string;
  readonly apiKey?: string;
}

export function withAdminOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--api-url <url>', 'admin API base URL')
        .env('CORRAL_API_URL')
        .default('http://localhost:8080'),
    )
    .addOption(new Option('--api-key <key>', 'admin API key').env('CORRAL_API_KEY'));
}

export function adminClient(flags: AdminFlags): AdminClient {
  if (!flags.apiKey) throw new UsageError('an admin API key is required: --api-key or CORRAL_API_KEY');
  let url: URL;
  try {
    url = new URL(flags.apiUrl);
  } catch {
    throw new UsageError(`--api-url: ${JSON.stringify(flags.apiUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--api-url: must be http:// or https://');
  return new AdminClient({ apiUrl: flags.apiUrl, apiKey: flags.apiKey });
}
