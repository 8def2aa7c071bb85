/** Importing this module registers the IR's own format, `hxcnn`, in the default registry. */
import { hxcnnFormat } from './hxcnn-format.js';
import { registerFormat } from './registry.js';

// Listed after the deployable formats: it is for reloading and debugging, not for devices.
registerFormat(hxcnnFormat, { priority: -1 });
