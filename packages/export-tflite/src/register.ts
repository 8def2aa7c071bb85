/** Importing this module registers the package's formats in @hypertx/export's default registry. */
import { registerFormat } from '@hypertx/export';
import { cArrayFormat, tfliteFormat, tfliteInt8Format } from './formats.js';

for (const plugin of [tfliteFormat, tfliteInt8Format, cArrayFormat]) registerFormat(plugin);
