/**
 * A failed write as a typed error: what the system said, in words, naming the path. A full disk or a
 * read-only file system is the user's environment, not a bug (never exit 1 "internal"), and each
 * cause gets its own hint: a permissions hint on a full disk sends the user the wrong way.
 */
import { HypertxError } from './errors.js';

interface Cause {
  says: string;
  hint: string;
}

const ELSEWHERE = 'or write somewhere else (-o)';

const CAUSES: Record<string, Cause> = {
  ENOSPC: { says: 'no space left on the device', hint: `Free some space on that disk, ${ELSEWHERE}.` },
  EDQUOT: { says: 'the disk quota is exceeded', hint: `Free some space within your quota, ${ELSEWHERE}.` },
  EFBIG: { says: 'the file is larger than this process may write', hint: `Raise the file size limit (ulimit -f), ${ELSEWHERE}.` },
  EROFS: { says: 'the file system is read-only', hint: `Write somewhere else (-o), or mount it read-write.` },
  EACCES: { says: 'permission denied', hint: `Check the folder's permissions, ${ELSEWHERE}.` },
  EPERM: { says: 'operation not permitted', hint: `Check the file's and folder's permissions and attributes, ${ELSEWHERE}.` },
  ENAMETOOLONG: { says: 'the name is too long', hint: 'Use a shorter output name (at most 255 bytes per name).' },
  ENOENT: { says: 'the folder does not exist', hint: 'Check the output path.' },
  ENOTDIR: { says: 'a part of the path is a file, not a folder', hint: 'Check the output path.' },
  EISDIR: { says: 'a folder of that name is in the way', hint: 'Remove or rename that folder, or choose another output name.' },
  EIO: { says: 'an input/output error on the device', hint: 'Check the disk.' },
};

/** The error for `err` (from the file system) while writing `path`. */
export function fileWriteError(path: string, err: unknown, code = 'E_FILE_WRITE'): HypertxError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const cause = errno ? CAUSES[errno] : undefined;
  const says = cause?.says ?? (err instanceof Error ? err.message : String(err));
  return new HypertxError(code, `can't write ${path}: ${says}${errno ? ` (${errno})` : ''}`, {
    // Any error the system reports by errno is about the environment; anything else is ours.
    kind: errno ? 'input' : 'internal',
    path,
    cause: err,
    ...(cause ? { hint: cause.hint } : {}),
  });
}
