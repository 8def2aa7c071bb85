import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The @hypertx/cli version, read from its package.json so it can't drift. */
export const VERSION: string = (require('../package.json') as { version: string }).version;
