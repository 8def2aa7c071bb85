/** Exit codes of the `hypertx` command (documented in docs/cli.md and tested end to end). */
import type { ErrorKind } from '@hypertx/export';

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  verification: 4,
  /** Interrupted by SIGINT/SIGTERM (128 + signal number, the shell convention). */
  interrupted: 130,
} as const;

export function exitCodeFor(kind: ErrorKind): number {
  return EXIT[kind];
}
