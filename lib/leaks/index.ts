// Leak hunting: leaks.find() for a scenario run in a loop, leaks.watch() for production.
import { find } from './find';

export const leaks = {
  /** Runs a scenario repeatedly and reports the allocation sites whose live bytes grow steadily (see LeakFindOptions). */
  find,
};
export type { LeakFindOptions, Scenario } from './find';
export type { LeakReport, LeakSite, LeakFrame, ConstructorGrowth, LeakRetainer } from './report';
export type { GrowthFit } from './growth-fit';
export { ScenarioError, type ScenarioPhase } from './scenario-error';
