// Which profile the page shows, for a `run --native` capture: the JS heap's, the
// native one, or both side by side. The choice lives in the URL's hash (#view=native),
// so that a reload, a link or the browser's back button keeps it.
import { readHash } from './hash-state';
import type { PageData, PageViewName } from './page-data';

export const VIEW_LABELS: Record<PageViewName, string> = { heap: 'JS heap', native: 'native', both: 'both' };
const ORDER: PageViewName[] = ['heap', 'native', 'both'];

/** The views this page has, in the switch's order. */
export function availableViews(data: PageData): PageViewName[] {
  return ORDER.filter((name) => data.views?.[name]);
}

/** The view a hash asks for, if the page has it; else the first one. */
export function chosenView(data: PageData, hash: string): PageViewName | null {
  const names = availableViews(data);
  if (names.length === 0) return null;
  const asked = readHash(hash).view as PageViewName | null;
  return asked && names.includes(asked) ? asked : names[0]!;
}

/** Puts the chosen view's profile and table where the flame graph and the table read them. */
export function applyView(data: PageData, name: PageViewName | null): void {
  const view = name ? data.views?.[name] : undefined;
  if (!view) return;
  data.profile = view.profile;
  data.top = view.top;
  data.topWithInternals = view.topWithInternals;
}
