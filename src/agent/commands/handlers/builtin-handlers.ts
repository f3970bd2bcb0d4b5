// The command types every Corral agent understands, in one list.
import type { CommandHandler } from '../command-types.js';
import { configReloadHandler } from './config-reload.js';
import { isolateHandler } from './isolate.js';
import { pingHandler } from './ping.js';
import { policySyncHandler } from './policy-sync.js';
import { restartHandler } from './restart.js';
import type { ScanHandlerOptions } from './scan.js';
import { scanHandler } from './scan.js';
import { shutdownHandler } from './shutdown.js';
import { statusHandler } from './status.js';
import { updateHandler } from './update.js';

export function builtinHandlers(options: { scan?: ScanHandlerOptions } = {}): CommandHandler[] {
  return [
    statusHandler(),
    pingHandler(),
    scanHandler(options.scan),
    updateHandler(),
    restartHandler(),
    shutdownHandler(),
    configReloadHandler(),
    policySyncHandler(),
    isolateHandler(),
  ];
}
