/**
 * `hypertx upgrade <file...>`: the pipeline's `upgradeModelFile` for each file, one line each:
 * a .hxmodel/.hxckpt from before checksums re-written with one (the weights stay bit-identical).
 */
import { usageError } from '@hypertx/export';
import { upgradeModelFile, type UpgradeResult } from '@hypertx/pipeline';
import { jsonText } from '../terminal-text.js';

export async function run(files: string[], options: { output?: string; json?: boolean }): Promise<number> {
  if (options.output !== undefined && files.length !== 1) {
    throw usageError('E_USAGE', `-o/--output takes one input file, got ${files.length}`, { hint: 'upgrade several files in place, without -o' });
  }
  const results: UpgradeResult[] = [];
  for (const file of files) {
    const result = await upgradeModelFile(file, options.output !== undefined ? { output: options.output } : {});
    results.push(result);
    if (!options.json) process.stdout.write(`${result.output}  ${result.upgraded ? 'upgraded: checksum added, weights unchanged' : 'already has a checksum'}\n`);
  }
  if (options.json) process.stdout.write(jsonText({ ok: true, files: results }, 2) + '\n');
  return 0;
}
