/**
 * Knowledge distillation (Hinton et al. 2015): the student also matches a frozen teacher's
 * softened class probabilities on each query image. The loss of an episode becomes
 *   cross-entropy + weight · T² · KL(softmax(teacher / T) ‖ softmax(student / T)),
 * the KL term averaged over query images like the cross-entropy. T² keeps the term's gradient on
 * the scale of the cross-entropy's as T changes.
 */
import { usageError } from '../errors.js';
import { tf } from '../tf.js';

export interface Distillation {
  /** How much the teacher term counts next to the cross-entropy (0: none; ≥ 0). */
  weight: number;
  /** Softmax temperature T (> 0): above 1 softens both distributions. */
  temperature: number;
}

/** Throws a usage error unless the settings are a finite weight ≥ 0 and a finite temperature > 0. */
export function validateDistillation(d: Distillation, where = 'distillation'): void {
  if (!(Number.isFinite(d.weight) && d.weight >= 0)) throw usageError('E_DISTILL_SETTINGS', `${where}.weight is ${d.weight}; it must be a finite number ≥ 0`);
  if (!(Number.isFinite(d.temperature) && d.temperature > 0)) throw usageError('E_DISTILL_SETTINGS', `${where}.temperature is ${d.temperature}; it must be a finite number > 0`);
}

/**
 * T² · mean over the `[E, Q]` query images of KL(softmax(teacher/T) ‖ softmax(student/T)), both
 * `[E, Q, ways]` logits (inside a tidy / gradient scope; the teacher gets no gradient).
 */
export function distillationLoss(student: tf.Tensor3D, teacher: tf.Tensor3D, temperature: number): tf.Scalar {
  const logTeacher = tf.logSoftmax(tf.div(teacher, temperature));
  const logStudent = tf.logSoftmax(tf.div(student, temperature));
  const kl = tf.sum(tf.mul(tf.exp(logTeacher), tf.sub(logTeacher, logStudent)), -1);
  return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
}
