// The running Corral version, from package.json.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
export const CORRAL_VERSION: string = pkg.version;
