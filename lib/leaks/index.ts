// Leak hunting: leaks.find() for a scenario run in a loop, leaks.watch() for production.
import { find } from './find';
import { captureNearHeapLimit } from '../agent/near-heap-limit';
import { watch } from './watch';

export const leaks = {
  /** Runs a scenario repeatedly and reports the allocation sites whose live bytes grow steadily (see LeakFindOptions). */
  find,
  /** Emits 'leak' when major GCs show the live heap climbing steadily (see LeakWatchOptions, docs/leaks.md). */
  watch,
  /** Writes a capture (profile, GC log, timeline) when the heap nears its limit, before V8's out-of-memory failure. */
  captureNearHeapLimit,
};
export { LeakWatch, type LeakWatchOptions, type LeakWatchEvent, type LeakWatchSite } from './watch';
export type { LeakFindOptions, Scenario } from './find';
export type { LeakReport, LeakSite, LeakFrame, ConstructorGrowth, LeakRetainer } from './report';
export type { GrowthFit } from './growth-fit';
export type { NearHeapLimitOptions, NearHeapLimitCapture, NearHeapLimitState } from '../agent/near-heap-limit';
export { ScenarioError, type ScenarioPhase } from './scenario-error';
