/**
 * Command-line entry: parses arguments with commander, loads the chosen command lazily (start-up
 * cost matters for a 2-second compile), and maps every error to a documented exit code.
 */
import { BUILT_IN_RECIPES, bundledModels, formatIds } from '@hypertx/pipeline';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { reportError } from './report-error.js';
import { forTerminalLines } from './terminal-text.js';
import { VERSION } from './version.js';

// Command modules export `run(...commanderArgs) → exit code`; their argument types are theirs to declare.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type CommandModule = { run: (...args: any[]) => Promise<number> };

/** Runs `hypertx` with the given arguments and resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; anything else commander rejects is a usage error.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    return reportError(err, { json: args.includes('--json') });
  }
  return exitCode;
}

function buildProgram(setExitCode: (code: number) => void): Command {
  // Choices shown in help come from the registries the commands use, so they cannot drift apart.
  const formats = formatIds().join(', ');
  const models = bundledModels().join(', ');
  const recipes = Object.keys(BUILT_IN_RECIPES).join(', ');
  const program = new Command('hypertx')
    .description(
      'Compile a few labelled images per class into a tiny standalone CNN (ONNX, TFLite, int8, C array) ' +
        'with a HyperTransformer, and train, evaluate, verify and inspect such models.',
    )
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // commander's messages quote the arguments as typed: escaped, newlines kept (its help spans lines).
    .configureOutput({ writeErr: (s) => process.stderr.write(forTerminalLines(s)) });

  // Each command module is imported only when that command runs.
  const lazy =
    (load: () => Promise<CommandModule>) =>
    async (...args: unknown[]): Promise<void> => {
      const { run } = await load();
      setExitCode(await run(...args.slice(0, -1))); // commander passes the Command object last
    };

  program
    .command('compile')
    .summary('compile a support set into verified edge models')
    .description(
      'Read a folder of labelled images (one sub-folder per class), generate a CNN for those classes ' +
        'with the HyperTransformer in one forward pass, write it in each requested format, and verify every ' +
        'file by running it in a real runtime (onnxruntime-node, LiteRT.js) against the in-framework outputs. ' +
        'A file is written only after it verified, and atomically: a failure leaves no partial file.',
    )
    .argument('<support-dir>', 'folder with one sub-folder of images per class (PNG, JPEG, WebP, GIF, TIFF, AVIF)')
    .option('--unlabeled <dir>', 'extra unlabelled images of the same classes (default: <support-dir>/_unlabeled if present)')
    .option('--no-self-label', 'keep unlabelled images as unlabelled tokens (default: a first-pass CNN labels them, then the CNN is generated again)')
    .addOption(supportShiftsOption())
    .option('-m, --model <path|name>', `HyperTransformer checkpoint, or a bundled model: ${models}`, 'default')
    .option('-f, --format <list>', `comma-separated formats: ${formats} (default: from -o, else onnx,tflite)`)
    .option('-o, --output <file|dir>', 'output file (its extension picks the format) or directory (default: ./<support-dir name>.*)')
    .addOption(new Option('--ink <polarity>', 'how the support images are drawn').choices(['auto', 'bright', 'dark']).default('auto'))
    .addOption(
      new Option('--levels <mode>', 'stretch the measured paper and ink levels (grey paper, faded pen) to the training range, baked into the model input')
        .choices(['auto', 'none'])
        .default('auto'),
    )
    .option('--seed <n>', 'seed for anything random', parseInteger('--seed'), 0)
    .option('--no-verify', 'skip running each file in its runtime (not recommended)')
    .option('--atol <x>', 'verification tolerance on probabilities for float formats', parseNumber('--atol'), 1e-4)
    .option('--symbol <name>', 'C identifier of the c-array format\'s array (default: hypertx_model; also names <NAME>_SIZE, <NAME>_ARENA_BYTES)')
    .addOption(maxPixelsOption())
    .addOption(backendOption())
    .option('--json', 'print one JSON object on stdout instead of text')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ hypertx compile my-glyphs/ -o glyphs.tflite\n' +
        '  $ hypertx compile my-glyphs/ -f onnx,tflite-int8,c-array -o out/\n' +
        '  $ hypertx compile photos/ --ink dark --json > result.json\n',
    )
    .action(lazy(() => import('./commands/compile.js')));

  program
    .command('train')
    .summary('train a HyperTransformer (resumable)')
    .description('Train a HyperTransformer on episodes from a dataset; checkpoints regularly and resumes where it stopped.')
    .option('-p, --preset <recipe>', `built-in recipe: ${recipes}`)
    .option('-c, --config <file>', 'a recipe as JSON (see docs/training.md)')
    .option('-d, --data <dir>', 'packed Omniglot folder (index.json + images_28x28_u8.bin)', process.env['HYPERTX_OMNIGLOT_DIR'])
    .option('--steps <n>', 'training steps (≥ 1; overrides the recipe\'s)', parsePositiveInteger('--steps'))
    .option('--checkpoint-dir <dir>', 'where checkpoints and the training log go', 'runs/train')
    .option('--resume', 'continue from the latest checkpoint in --checkpoint-dir')
    .option('--init <file>', 'start a new run from these weights (.hxmodel/.hxckpt of the same config)')
    .option('--seed <n>', 'seed for initialisation and episodes', parseInteger('--seed'), 0)
    .option('--threads <n>', "threads computing each step's episodes (data-parallel; default: one per core on wasm, at most the recipe's episodes per step; 1 on tfjs-node and webgpu)", parseInteger('--threads'))
    .addOption(backendOption())
    .option('--json', 'print the final summary as JSON')
    .option('-q, --quiet', 'no progress bar')
    .action(lazy(() => import('./commands/train.js')));

  program
    .command('eval')
    .summary('measure few-shot accuracy (mean ± 95% CI)')
    .description('Evaluate a model on test episodes of held-out classes and report mean accuracy with a 95% confidence interval.')
    .option('-m, --model <path|name>', `checkpoint, or a bundled model: ${models}`, 'default')
    .option('-d, --data <dir>', 'packed Omniglot folder or image-folder tree', process.env['HYPERTX_OMNIGLOT_DIR'])
    .option('--episodes <n>', 'test episodes', parseInteger('--episodes'), 1000)
    .option('--ways <n>', 'classes per episode', parseInteger('--ways'), 5)
    .option('--shots <n>', 'labelled images per class', parseInteger('--shots'), 1)
    .option('--unlabeled <n>', 'unlabelled images per class', parseInteger('--unlabeled'), 0)
    .option('--no-self-label', 'exported engines: keep unlabelled images as unlabelled tokens instead of labelling them with a first pass, as compile does by default')
    .option('--queries <n>', 'query images per class', parseInteger('--queries'), 5)
    .addOption(supportShiftsOption())
    .addOption(new Option('--bn-mode <mode>', 'BatchNorm statistics: support (as exported) or transductive (the paper)').choices(['support', 'transductive']).default('support'))
    .addOption(
      new Option('--engine <name>', 'what runs the generated CNNs: the exported file in its runtime, the float64 reference, or TF.js')
        .choices(['onnx', 'tflite', 'tflite-int8', 'reference', 'tfjs'])
        .default('onnx'),
    )
    .option('--alphabets <list|all>', 'comma-separated held-out alphabets (groups), or "all" to use a separate test dataset whole (default: the 5 validation alphabets for packed Omniglot, all for a folder tree)')
    .addOption(new Option('--layout <layout>', 'image-folder trees: <class>/<images>, or <group>/<class>/<images> (as Omniglot\'s PNG release)').choices(['class', 'group/class']).default('class'))
    .addOption(maxPixelsOption())
    .option('--seed <n>', 'seed for episodes', parseInteger('--seed'), 1)
    .addOption(backendOption())
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'no progress')
    .action(lazy(() => import('./commands/eval.js')));

  program
    .command('verify')
    .summary('run a model file in its runtime and compare with the reference')
    .description(
      'Run a model file written by hypertx compile in its own runtime on a support folder\'s images, and check that ' +
        'its probabilities are valid, its labels match the folder\'s classes, and (with --reference) that it agrees with the float64 reference.',
    )
    .argument('<file>', '.onnx, .tflite, .hxcnn or C array (.cc/.h) file written by hypertx')
    .requiredOption('-s, --support <dir>', 'support folder whose images to run (class folders)')
    .option('-r, --reference <file.hxcnn>', 'the network as hypertx IR (compile -f hxcnn): compare with its float64 reference')
    .option('--atol <x>', 'tolerance on probabilities for float formats', parseNumber('--atol'), 1e-4)
    .addOption(maxPixelsOption())
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/verify.js')));

  program
    .command('inspect')
    .summary('show what a model file holds: a compiled CNN or a HyperTransformer')
    .description(
      'Show a compiled model\'s inputs, outputs, layers, parameters, labels and input normalisation; or, for a HyperTransformer ' +
        '(.hxmodel, .hxckpt, or a bundled model name), what it generates, its input size and the support sets it accepts.',
    )
    .argument('<file>', `.onnx, .tflite, .hxcnn or C array (.cc/.h) file; or a .hxmodel/.hxckpt, or a bundled model name (${models})`)
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/inspect.js')));

  program
    .command('upgrade')
    .summary('add a checksum to a .hxmodel/.hxckpt written before checksums (weights unchanged)')
    .description(
      'Re-write HyperTransformer files from before checksums (checkpoint format v1, which this hypertx refuses to load) in the ' +
        'current format: the same config, metadata and tensor bytes, sealed with a SHA-256 of the file. Each file is checked as a ' +
        'current one would be, and replaced atomically; a file that already has a checksum is left as it is.',
    )
    .argument('<file...>', '.hxmodel or .hxckpt files from hypertx train')
    .option('-o, --output <file>', 'write the upgraded file here instead of replacing the input (one input file only)')
    .option('--json', 'print JSON')
    .action(lazy(() => import('./commands/upgrade.js')));

  program
    .command('compile-batch')
    .summary('compile many support sets: on every core, or across machines through a Redis queue')
    .description(
      'Compile every support set of a folder (one sub-folder per set, each with a sub-folder per class) or of a manifest ' +
        '(.jsonl lines {"name", "support", "unlabeled"?}) with one model and one set of formats, into <out>/<set name>/. ' +
        'Sets already compiled with the same images, model and options are skipped, so a killed batch resumes where it stopped. ' +
        'A set that fails is reported and the batch goes on. With --queue, the sets become jobs on a BullMQ queue served by ' +
        '`hypertx worker` processes on any machines; images travel in the jobs and files come back through Redis.',
    )
    .argument('<sets>', 'folder of support-set folders, or a .jsonl manifest')
    .requiredOption('-o, --output <dir>', 'output folder: one sub-folder per set, with its files and hypertx-set.json')
    .option('-m, --model <path|name>', `HyperTransformer checkpoint, or a bundled model: ${models}`, 'default')
    .option('-f, --format <list>', `comma-separated formats: ${formats}`, 'onnx,tflite')
    .option('-j, --jobs <n>', 'compile threads on this machine (default: one per core)', parseInteger('--jobs'))
    .option('--queue <redis-url>', 'submit to a BullMQ queue on Redis/Valkey (redis://host:port) instead of compiling here')
    .option('--queue-name <name>', 'queue name (default hypertx-compile)')
    .option('--timeout <seconds>', 'with --queue: give up on sets not finished after this long', parseNumber('--timeout'))
    .option('--force', 'recompile sets whose outputs are already there')
    .addOption(new Option('--ink <polarity>', 'how the support images are drawn').choices(['auto', 'bright', 'dark']).default('auto'))
    .addOption(new Option('--levels <mode>', 'stretch measured paper and ink levels to the training range').choices(['auto', 'none']).default('auto'))
    .option('--no-self-label', 'keep unlabelled images as unlabelled tokens')
    .option('--no-verify', 'skip running each file in its runtime (not recommended)')
    .option('--json', 'print one JSON line per set on stdout, then a summary line')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ hypertx compile-batch customers/ -o models/ -f tflite-int8\n' +
        '  $ hypertx compile-batch sets.jsonl -o models/ --jobs 2 --json > results.jsonl\n' +
        '  $ hypertx compile-batch customers/ -o models/ --queue redis://queue-host:6379   # with `hypertx worker` running elsewhere\n',
    )
    .action(lazy(() => import('./commands/compile-batch.js')));

  program
    .command('worker')
    .summary('serve a compile queue (BullMQ on Redis/Valkey) until stopped')
    .description(
      'Take compile jobs from the queue that `hypertx compile-batch --queue` fills and run them on compile threads, the model ' +
        'loaded once per thread. Run any number of workers on any machines. SIGTERM or Ctrl-C finishes the jobs in progress, then exits 0.',
    )
    .requiredOption('--queue <redis-url>', 'redis://host:port of the queue')
    .option('--queue-name <name>', 'queue name (default hypertx-compile)')
    .option('-m, --model <path|name>', `HyperTransformer checkpoint, or a bundled model: ${models} (jobs carry their own formats and options)`, 'default')
    .option('-j, --jobs <n>', 'compile threads, and so jobs at once (default: one per core)', parseInteger('--jobs'))
    .option('--lock-duration <ms>', 'how long a job stays this worker\'s without a heartbeat before another may take it', parseInteger('--lock-duration'), 30_000)
    .option('--stalled-interval <ms>', 'how often to look for jobs whose worker died', parseInteger('--stalled-interval'), 30_000)
    .option('--json', 'print one JSON line per job on stdout')
    .option('-q, --quiet', 'no progress on stderr')
    .action(lazy(() => import('./commands/worker.js')));

  program
    .command('serve')
    .summary('serve compiles over HTTP, with a web page: POST images, get verified model files')
    .description(
      'Start an HTTP server: POST /v1/compile takes a few labelled images per class (multipart) and answers with the ' +
        'verified files (JSON, or one file\'s bytes); a web page at / lets you drop or draw images, compile, download and try the model. ' +
        'Models load once at start-up. SIGTERM or Ctrl-C stops taking requests, finishes those in flight, then exits 0. See docs/serve.md.',
    )
    .option('--host <host>', 'interface to listen on; anything but loopback needs --token or --insecure', '127.0.0.1')
    .option('-p, --port <n>', 'port (0: any free port; the URL is printed)', parseInteger('--port'), 8080)
    .option('--token <token>', 'bearer token every /v1 request must carry (default: $HYPERTX_TOKEN; prefer the variable: flags show in ps)')
    .option('--insecure', 'listen on a non-loopback host without a token (when a proxy in front authenticates)')
    .option('-m, --models <list>', `comma-separated models to load at start-up, bundled (${models}) or .hxmodel files; the first is the default`, 'default')
    .option('--max-concurrent <n>', 'compiles at once (each keeps one core busy)', parseInteger('--max-concurrent'), 1)
    .option('--max-queue <n>', 'compile requests admitted beyond those running, then 503 + Retry-After', parseInteger('--max-queue'), 8)
    .option('--max-request-bytes <n>', 'bytes of one request (default 16 MiB)', parseInteger('--max-request-bytes'))
    .option('--max-file-bytes <n>', 'bytes of one image (default 4 MiB)', parseInteger('--max-file-bytes'))
    .option('--max-classes <n>', 'classes in one request', parseInteger('--max-classes'), 20)
    .option('--max-images-per-class <n>', 'labelled images per class', parseInteger('--max-images-per-class'), 50)
    .option('--max-pixels <n>', 'pixels (width × height) of one image, checked before decoding (default 16777216, 16 Mi)', parseInteger('--max-pixels'))
    .option('--json', 'log JSON lines on stdout (Fastify\'s request log, and {"event":"listening","url"})')
    .option('-q, --quiet', 'no line per request')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ hypertx serve                                   # http://127.0.0.1:8080, open it in a browser\n' +
        '  $ HYPERTX_TOKEN=$(openssl rand -hex 24) hypertx serve --host 0.0.0.0 --port 80\n' +
        '  $ curl -F class:cat=@cat.png -F class:dog=@dog.png http://127.0.0.1:8080/v1/compile\n',
    )
    .action(lazy(() => import('./commands/serve.js')));

  return program;
}

function backendOption(): Option {
  return new Option('--backend <name>', 'TensorFlow.js backend').choices(['auto', 'webgpu', 'gpu', 'node', 'wasm', 'cpu']).default('auto');
}

/** Every command that decodes image files takes the same pixel limit (the library's `maxInputPixels`). */
function supportShiftsOption(): Option {
  return new Option(
    '--support-shifts <n>',
    "before generating, fill each class up to n images with copies of its images shifted by 1-3 pixels; 0 turns it off (default: the model's setting, shown by inspect; the bundled default: 25)",
  ).argParser((value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 25) throw new InvalidArgumentError(`--support-shifts takes a whole number from 0 to 25, got "${value}".`);
    return n;
  });
}

function maxPixelsOption(): Option {
  return new Option('--max-pixels <n>', 'refuse images with more pixels (width × height) than this, before decoding them (default: 67108864, 64 Mi)').argParser(
    (value: string): number => {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`--max-pixels takes a whole number ≥ 1, got "${value}".`);
      return n;
    },
  );
}

function parseInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} takes a whole number, got "${value}".`);
    return n;
  };
}

function parsePositiveInteger(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a whole number ≥ 1, got "${value}".`);
    return n;
  };
}

function parseNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number, got "${value}".`);
    return n;
  };
}
