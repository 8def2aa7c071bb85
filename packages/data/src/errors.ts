/**
 * Error codes thrown by @hypertx/data. Every error is a HypertxError from @hypertx/export, so the
 * CLI maps it to an exit code; the message names the file, folder, class or option at fault.
 */
import { HypertxError, usageError, type HypertxErrorOptions } from '@hypertx/export';

/** Bad option values throw `usageError(DATA_ERROR_CODES.invalidOption, message, { hint })`. */
export { usageError };

export const DATA_ERROR_CODES = {
  /** A file or folder does not exist. */
  notFound: 'E_NOT_FOUND',
  /** A path exists but is not a folder where one was expected. */
  notADirectory: 'E_NOT_A_DIRECTORY',
  /** A file or folder exists but could not be read (permissions, I/O). */
  read: 'E_READ',
  /** A dangling symbolic link or a link loop where a class folder or an image may be. */
  brokenLink: 'E_BROKEN_LINK',
  /** A file or folder name that is not valid UTF-8 (it cannot become a class name). */
  nameNotUtf8: 'E_NAME_NOT_UTF8',
  /** A file could not be decoded as an image (corrupt, truncated, not an image). */
  imageDecode: 'E_IMAGE_DECODE',
  /** An image has more pixels than the configured limit. */
  imageTooLarge: 'E_IMAGE_TOO_LARGE',
  /** A class folder of a support set holds no images. */
  supportEmptyClass: 'E_SUPPORT_EMPTY_CLASS',
  /** A support set has fewer than two classes. */
  supportTooFewClasses: 'E_SUPPORT_TOO_FEW_CLASSES',
  /** A query folder names a class the support set does not have. */
  queryUnknownClass: 'E_QUERY_UNKNOWN_CLASS',
  /** An image-folder dataset has no classes at all. */
  sourceEmpty: 'E_SOURCE_EMPTY',
  /** A packed data set file has the wrong size or its index is malformed. */
  datasetFormat: 'E_DATASET_FORMAT',
  /** A class has fewer images than an episode needs (K + U + Q). */
  episodeClassTooSmall: 'E_EPISODE_CLASS_TOO_SMALL',
  /** An episode asks for more ways than the source has classes. */
  episodeTooFewClasses: 'E_EPISODE_TOO_FEW_CLASSES',
  /** An option has an invalid value (negative count, bad range, unknown name...). */
  invalidOption: 'E_INVALID_OPTION',
} as const;

export type DataErrorCode = (typeof DATA_ERROR_CODES)[keyof typeof DATA_ERROR_CODES];

export function dataError(code: DataErrorCode, message: string, options: HypertxErrorOptions = {}): HypertxError {
  return new HypertxError(code, message, options);
}
