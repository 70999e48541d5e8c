// A scenario (or its setup/teardown) that threw: reported with a code, the
// phase and iteration, and the original error as `cause`.
import { AllocscopeError } from '../core/errors';

export type ScenarioPhase = 'setup' | 'scenario' | 'teardown';

export class ScenarioError extends AllocscopeError {
  readonly phase: ScenarioPhase;
  /** The iteration (0-based) that threw, for phase 'scenario'. */
  readonly iteration: number | null;
  override readonly cause: unknown;

  constructor(phase: ScenarioPhase, iteration: number | null, iterations: number, cause: unknown) {
    const what = phase === 'scenario' ? `the scenario threw at iteration ${iteration! + 1} of ${iterations}` : `the ${phase} hook threw`;
    super('ERR_ALLOCSCOPE_SCENARIO_FAILED', `leaks.find(): ${what}: ${describeError(cause)}`);
    this.name = 'ScenarioError';
    this.phase = phase;
    this.iteration = iteration;
    this.cause = cause;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.split('\n')[0]!;
  try { return `a thrown ${typeof error} (${String(error).slice(0, 100)})`; } catch { return `a thrown ${typeof error}`; }
}
