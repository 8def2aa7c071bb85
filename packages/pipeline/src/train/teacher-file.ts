/**
 * The teacher of a distilled run (recipe `distill.teacher`): a .hxmodel or .hxckpt file read once,
 * frozen, with the SHA-256 of its bytes so the run can record (and a resume can check) exactly
 * which teacher it learnt from. Loads @hypertx/core: imported only when a run distils.
 */
import { createHash } from 'node:crypto';
import { assertTeacherFits, decodeCheckpoint, modelFromState, type EpisodicModel } from '@hypertx/core';
import { HypertxError, isHypertxError, readInputFile } from '@hypertx/export';

export interface Teacher {
  model: EpisodicModel;
  file: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  /** In words, for the start of a run: `protonet, 64 channels, 32×32 input, 20 ways`. */
  description: string;
}

/**
 * Reads the teacher and checks that it can label the run's episodes (`ways` at most, images of
 * `channels` channels). A missing, unreadable or damaged file and a teacher that cannot fit are
 * input errors that name the file and the recipe field.
 */
export async function loadTeacher(file: string, need: { ways: number; channels: number }): Promise<Teacher> {
  try {
    const bytes = await readInputFile(file, 'model', { what: 'teacher model', codes: { notFound: 'E_DISTILL_TEACHER', read: 'E_DISTILL_TEACHER' } });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const model = modelFromState(decodeCheckpoint(bytes, file));
    try {
      assertTeacherFits(model, need, `the teacher ${file}`);
    } catch (err) {
      model.dispose();
      throw err;
    }
    const { cnn, image, maxWays } = model.config;
    const channels = Array.isArray(cnn.channels) ? cnn.channels.join('/') : String(cnn.channels);
    return { model, file, sha256, description: `${model.kind}, ${channels} channels, ${image.height}×${image.width} input, up to ${maxWays} ways` };
  } catch (err) {
    if (!isHypertxError(err) || err.kind !== 'input') throw err;
    // Say which role the file plays: a damaged teacher is not a damaged checkpoint of the run.
    const message = err.message.includes(file) ? err.message : `${file}: ${err.message}`;
    throw new HypertxError(err.code, `distill.teacher: ${message}`, {
      kind: 'input',
      path: file,
      hint: err.hint ?? `distill.teacher must name a .hxmodel or .hxckpt file written by hypertx train (relative to the working folder)`,
      cause: err,
    });
  }
}
