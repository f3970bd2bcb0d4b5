// The admin API for command-type tests: the test server with the stored custom
// types loaded into the registry, as `corral serve` loads them at start.
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import type { CommandTypeService } from './command-type-service.js';

export interface CommandTypeTestApi extends TestApi {
  readonly commandTypes: CommandTypeService;
}

export async function openCommandTypeTestApi(): Promise<CommandTypeTestApi> {
  const api = await openTestApi();
  await api.t.services.commandTypes.load();
  return Object.assign(api, { commandTypes: api.t.services.commandTypes });
}
