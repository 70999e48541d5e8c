// The switch above the flame graph (JS heap / native / both), shown only for a
// capture with a native profile. Choosing a view sets the URL's hash and reloads:
// every section is then drawn once, from the chosen profile. The hash's other
// choices (Node internals, merge, focus) are kept.
import { hashOf, readHash } from '../hash-state';
import type { PageData, PageViewName } from '../page-data';
import { availableViews, VIEW_LABELS } from '../views';
import { byId, el } from './dom';

export function viewSwitch(data: PageData, current: PageViewName | null): void {
  const names = availableViews(data);
  if (!current || names.length < 2) return;
  const box = byId('views');
  box.hidden = false;
  for (const name of names) {
    const b = el('button', name === current ? 'view current' : 'view', VIEW_LABELS[name]);
    b.type = 'button';
    b.dataset.view = name;
    b.setAttribute('aria-pressed', String(name === current));
    b.addEventListener('click', () => {
      if (name === current) return;
      location.hash = hashOf({ ...readHash(location.hash), view: name });
      location.reload();
    });
    box.appendChild(b);
  }
}
