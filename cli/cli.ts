/** The `rnnc` command line: parses, delegates to commands/, prints errors. */
import { Argument, Command, Option } from 'commander';
import { CELLS } from '../compiler/cells/index.js';
import { MAX_WORKERS } from '../contract/control.js';
import { formatCliError, int, num, withPlanFlags } from './commands/common.js';
import { InputError } from '../contract/errors.js';

const program = new Command('rnnc')
  .description('WebAssembly SIMD kernel compiler for recurrent neural networks (ONNX LSTM, GRU, RNN)')
  .version('0.1.0')
  .showHelpAfterError();

const shape = (c: Command) => c
  .addOption(new Option('--cell <kind>', 'cell kind').choices(CELLS.map((c) => c.kind)))
  .option('--input <n>', 'input size', int('--input'))
  .option('--hidden <n>', 'hidden size', int('--hidden'))
  .option('--batch <n>', 'largest batch (default: the model\'s, else 1)', int('--batch', 1, 65536))
  .addOption(new Option('--direction <d>', 'direction').choices(['forward', 'reverse', 'bidirectional']).default('forward'))
  .option('--layout <n>', 'ONNX layout attribute (0 or 1)', int('--layout', 0, 1), 0)
  .option('--linear-before-reset', 'GRU linear_before_reset=1')
  .option('--sequence-lens', 'the kernel takes per-row sequence lengths');

withPlanFlags(program.command('compile <model>')
  .description('compile an ONNX model into an artifact directory (manifest.json, model.wasm, model.mt.wasm, weights.bin)')
  .requiredOption('-o, --output <dir>', 'artifact directory')
  .option('--wat', 'also write the text form of the single-worker module (model.wat)')
  .option('--batch <n>', 'largest batch to compile for when the model leaves it symbolic (default 1)', int('--batch', 1, 65536))
  .option('-v, --verbose', 'print the plan and its loop nest')
  .option('--tuning <file>', 'use the plans `rnnc tune` stored in this file for this engine')
  .addOption(new Option('--optimize <level>', 'also run binaryen\'s -O3 on the modules (about a second more; a few percent on small cells)').choices(['full']))
  .option('--no-cache', 'compile even when the artifact cache (rnnc cache ls) holds the model')
  .option('--also-fused', 'also write the model with fused multiply-adds (relaxed SIMD) in <dir>/fused, which loaders take where the engine has relaxed SIMD'))
  .action(async (model, o) => (await import('./commands/compile.js')).compileCommand(model, o));

withPlanFlags(program.command('run <model>')
  .description('run an ONNX model or an artifact directory; print or write its outputs')
  .option('-i, --input <name=file>', 'an input from .npy or .pb (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--random', 'fill inputs not given with deterministic random data')
  .option('--seq <n>', 'sequence length for --random', int('--seq'), 16)
  .option('--batch <n>', 'batch for --random, and the largest batch when compiling a model', int('--batch', 1, 65536))
  .option('--seed <n>', 'seed for --random', int('--seed', 0), 1)
  .option('-o, --output-dir <dir>', 'write each output as <name>.npy')
  .option('--time', 'time 50 runs after warm-up and print the median')
  .option('--repeat <n>', 'number of timed runs', int('--repeat'))
  .option('--warmup <n>', 'untimed runs before timing (TurboFan tier-up)', int('--warmup', 0), 30)
  .option('--workers <n>', 'workers to run on (default: the planner\'s choice for this machine\'s cores)', int('--workers', 1, MAX_WORKERS)))
  .action(async (model, o) => (await import('./commands/run.js')).runCommand(model, o));

withPlanFlags(program.command('check <dirs...>')
  .description('run ONNX backend test directories (model.onnx + test_data_set_*) and compare every output')
  .option('--atol <x>', 'absolute tolerance (default 1e-5)', num('--atol'))
  .option('--rtol <x>', 'relative tolerance (default 1e-4)', num('--rtol'))
  .option('--batch <n>', 'largest batch when the model leaves it symbolic', int('--batch', 1, 65536)))
  .action(async (dirs, o) => {
    if ((await (await import('./commands/check.js')).checkCommand(dirs, o)) > 0) process.exitCode = 1;
  });

withPlanFlags(shape(program.command('kernel')
  .description('compile one cell shape as its one-node model (synthetic weights) and write its single-worker module')
  .requiredOption('-o, --output <file>', 'output .wasm (the module: run it through the artifact `rnnc compile` makes of a model)')
  .option('--wat', 'also write the text form next to it')
  .option('-v, --verbose', 'print the plan and its loop nest')))
  .action(async (o) => {
    const missing = ['cell', 'input', 'hidden'].filter((flag) => o[flag] === undefined);
    if (missing.length) throw new InputError(`rnnc kernel needs ${missing.map((f) => `--${f}`).join(', ')} (the shape of the cell to compile)`);
    await (await import('./commands/kernel.js')).kernelCommand(o);
  });

withPlanFlags(shape(program.command('plan [model]')
  .description('print the plan for a model or a shape: the program, blocking, memory, loop nest and worker partition')
  .option('--workers <n>', 'worker count to show the partition for (default auto: the cost model)')))
  .action(async (model, o) => (await import('./commands/plan.js')).planCommand(model, o));

program.command('serve <dir>')
  .description('serve a directory (a page and its artifacts) cross-origin isolated, with the browser runtime at /rnnc/')
  .option('--port <n>', 'port (0: any free port)', int('--port', 0, 65535), 8080)
  .option('--host <name>', 'address or name to listen on, and the one name besides localhost, 127.0.0.1 and [::1] '
    + 'that requests may carry as Host (against DNS rebinding); for other machines give this one\'s address or name, '
    + 'or 0.0.0.0 (every interface, answering any IP address as Host)', '127.0.0.1')
  .option('--no-isolation', 'leave out the COOP/COEP headers (the page then runs on one worker)')
  .option('-q, --quiet', 'do not log requests')
  .action(async (dir, o) => (await import('./commands/serve.js')).serveCommand(dir, o));

shape(program.command('tune [model]')
  .description('measure plan variants of every RNN in a model (or one shape) on this engine; store the best')
  .option('--seq <n>', 'sequence length to time', int('--seq'), 100)
  .option('--tuning <file>', 'tuning file to update', 'rnnc-tuning.json')
  .option('--max-workers <n>', 'largest worker count to try (default: the cores)', int('--max-workers', 1, MAX_WORKERS)))
  .action(async (model, o) => (await import('./commands/tune.js')).tuneCommand(model, o));

program.command('bench [patterns...]')
  .description('benchmark rnnc (1 and 2 workers) against onnxruntime-web, TensorFlow.js and native onnxruntime on the DeepCPU shapes (or case-id patterns, or one --cell shape); writes a new folder of results (bench/results/runs/<date>/)')
  .addOption(new Option('--cell <kind>', 'benchmark one shape instead').choices(['lstm', 'gru']))
  .option('--input <n>', 'input size of --cell', int('--input'))
  .option('--hidden <n>', 'hidden size of --cell', int('--hidden'))
  .option('--seq <n>', 'sequence length of --cell', int('--seq'), 100)
  .option('--batch <n>', 'batch of --cell', int('--batch', 1, 65536))
  .option('--quick', 'a few shapes and rounds: seconds, not minutes')
  .option('--peers <list>', 'contestants, e.g. rnnc-1w,ort-web-1t (default: all but rnnc-2w-fixed, 2 workers with adaptWorkers off)')
  .option('--hog <n>', 'keep n busy processes running beside the benchmark (a loaded machine, on purpose)', int('--hog', 0, 64))
  .option('--no-write', 'write no results')
  .option('--update-results', 'write the committed bench/results (default: a new folder, bench/results/runs/<date>/)')
  .action(async (patterns, o) => (await import('./commands/bench.js')).benchCommand(patterns, o));

program.command('cache')
  .description('list (ls) or empty (clear) the cache of models compiled by InferenceSession.create')
  .addArgument(new Argument('<action>').choices(['ls', 'clear']))
  .option('--dir <dir>', 'cache directory (default: RNNC_CACHE_DIR, else the platform\'s cache directory)')
  .action(async (action, o) => (await import('./commands/cache.js')).cacheCommand(action, o));
/** One example per command, shown after its help. */
const EXAMPLES: Readonly<Record<string, string>> = {
  compile: 'rnnc compile examples/charlm/model.onnx -o charlm',
  run: 'rnnc run examples/charlm/model.onnx --input tokens=examples/charlm/tokens.npy --time',
  check: 'rnnc check examples/charlm',
  kernel: 'rnnc kernel --cell lstm --input 256 --hidden 256 -o lstm.wasm --wat',
  plan: 'rnnc plan examples/charlm/model.onnx --workers 2',
  serve: 'rnnc serve demo --port 8080',
  tune: 'rnnc tune examples/charlm/model.onnx --seq 100',
  bench: 'rnnc bench --quick lstm_i256_h256 --peers rnnc-1w,ort-web-1t',
  cache: 'rnnc cache ls',
};
for (const c of program.commands) c.addHelpText('after', `\nExample:\n  $ ${EXAMPLES[c.name()]}`);
program.addHelpText('after', `\nExample:\n  $ ${EXAMPLES.compile} && rnnc run charlm --random`);

// A reader that stops early (`rnnc run ... | head`): the rest of the output goes nowhere, and the
// command still finishes its work (the files it writes), instead of dying on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

program.parseAsync().catch((e: unknown) => {
  // The stack: with compile's and kernel's -v, or RNNC_STACK=1 with any command.
  const verbose = process.argv.includes('-v') || process.argv.includes('--verbose') || process.env.RNNC_STACK === '1';
  console.error(formatCliError(e, verbose));
  process.exitCode = 2;
});
