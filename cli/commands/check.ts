/** `rnnc check DIR...`: runs ONNX backend-style test directories and reports PASS/FAIL per output. */
import { checkTestDir, DEFAULT_TOLERANCE } from '../../api/check.js';
import { RnncError } from '../../contract/errors.js';
import { planOptions, type PlanFlags } from './common.js';

export interface CheckFlags extends PlanFlags {
  atol?: number;
  rtol?: number;
  batch?: number;
}

/** Returns the number of failing directories (the CLI's exit code is non-zero when any fails). */
export async function checkCommand(dirs: readonly string[], f: CheckFlags): Promise<number> {
  const tol = { atol: f.atol ?? DEFAULT_TOLERANCE.atol, rtol: f.rtol ?? DEFAULT_TOLERANCE.rtol };
  let failed = 0;
  for (const dir of dirs) {
    try {
      const r = await checkTestDir(dir, tol, { batch: f.batch, ...planOptions(f) });
      for (const o of r.outputs) {
        console.log(`${o.pass ? 'PASS' : 'FAIL'}  ${dir} ${o.set} ${o.output}  ${o.note ?? `max abs error ${o.maxAbsError.toExponential(2)}`}  (${r.kernel})`);
      }
      if (!r.pass) failed++;
    } catch (e) {
      if (!(e instanceof RnncError)) throw e;
      console.log(`FAIL  ${dir}  ${e.name}: ${e.message}`);
      failed++;
    }
  }
  console.log(`${dirs.length - failed} of ${dirs.length} passed (atol ${tol.atol}, rtol ${tol.rtol})`);
  return failed;
}
