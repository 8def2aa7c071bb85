/**
 * Compile-time only: the chained-op methods (`tensor.add(…)`) that `@tensorflow/tfjs` adds to
 * tfjs-core's Tensor type. tf.ts loads the union at run time through `require`, which brings no
 * types, and this file is not emitted, so the published declarations do not import the union's
 * typings (see tf.ts).
 */
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
