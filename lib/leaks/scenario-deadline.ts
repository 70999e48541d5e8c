// Waiting for a scenario (or its setup/teardown) without waiting forever. A
// promise that never settles used to end `allocscope leaks` with status 0 and no
// output when the event loop ran dry (CI read "no leaks"), or hang it when
// something kept the loop alive.
import { AllocscopeError } from '../core/errors';
import type { ScenarioPhase } from './scenario-error';

/** Default time one call of the scenario, setup or teardown may take to settle. */
export const DEFAULT_SCENARIO_TIMEOUT_MS = 60_000;

/** A scenario or hook that did not settle: past its deadline, or with nothing left that could settle it. */
export class ScenarioStuckError extends AllocscopeError {
  readonly phase: ScenarioPhase;
  readonly iteration: number | null;

  constructor(code: 'ERR_ALLOCSCOPE_SCENARIO_TIMEOUT' | 'ERR_ALLOCSCOPE_SCENARIO_UNSETTLED', phase: ScenarioPhase, iteration: number | null, message: string) {
    super(code, message);
    this.name = 'ScenarioStuckError';
    this.phase = phase;
    this.iteration = iteration;
  }
}

/**
 * Awaits `value` when it is a promise (or thenable): its rejection passes through;
 * past `timeoutMs` it rejects with ERR_ALLOCSCOPE_SCENARIO_TIMEOUT, and when the
 * event loop runs out of work while it is pending ('beforeExit': nothing can
 * settle it any more) with ERR_ALLOCSCOPE_SCENARIO_UNSETTLED.
 */
export async function settleWithin(value: unknown, timeoutMs: number, phase: ScenarioPhase, iteration: number | null, iterations: number): Promise<void> {
  if (!value || (typeof value !== 'object' && typeof value !== 'function') || typeof (value as PromiseLike<unknown>).then !== 'function') return;
  const what = phase === 'scenario' ? `leaks.find(): the scenario's promise at iteration ${iteration! + 1} of ${iterations}` : `leaks.find(): the ${phase} hook's promise`;
  let timer: NodeJS.Timeout | undefined;
  let onBeforeExit: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      // Unreferenced: the deadline alone must not keep the loop alive, or 'beforeExit' would never come.
      timer = setTimeout(() => reject(new ScenarioStuckError('ERR_ALLOCSCOPE_SCENARIO_TIMEOUT', phase, iteration,
        `${what} did not settle within ${timeoutMs} ms (raise it: option timeoutMs; allocscope leaks --timeout <ms>)`)), timeoutMs).unref();
      onBeforeExit = () => reject(new ScenarioStuckError('ERR_ALLOCSCOPE_SCENARIO_UNSETTLED', phase, iteration,
        `${what} never settles: the event loop ran out of work with it pending (a promise nothing resolves?)`));
      process.once('beforeExit', onBeforeExit);
      Promise.resolve(value).then(() => resolve(), reject);
    });
  } finally {
    clearTimeout(timer);
    if (onBeforeExit) process.off('beforeExit', onBeforeExit);
  }
}
