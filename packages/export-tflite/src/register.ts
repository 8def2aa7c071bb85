/** Importing this module registers the package's formats in @hypertx/export's default registry. */
import { registerFormat } from '@hypertx/export';
import { cArrayFormat, tfliteFormat, tfliteInt8Format } from './formats.js';

const plugins = [tfliteFormat, tfliteInt8Format, cArrayFormat];
for (const plugin of plugins) registerFormat(plugin);

/** The format ids this module registered. */
export const REGISTERED_FORMATS: readonly string[] = Object.freeze(plugins.map((p) => p.id));
