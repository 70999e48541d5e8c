// Which moment of the live heap the flame graph and the top table show: one of
// the capture's moments, or the end of the run (null). Kept in the URL's hash
// (at=peak, at=12) like the other choices. Choosing one puts its profile and
// tables where the sections read them (as applyView does for a view) and tells
// them to redraw. The moments are the JS heap's: in the native or both view, a
// choice switches to the JS heap view (which, like any view change, reloads).
// The page opens at the peak when little was alive at the end (openingMoment).
import { hashOf, readHash } from '../hash-state';
import { hashOfMoment, momentOfHash, momentProfile, momentTop, openingMoment } from '../moments';
import type { PageData, PageMoments, PageViewName } from '../page-data';
import { updateHash } from './hash';

export interface MomentChoice {
  readonly moments: PageMoments;
  /** False in the native and both views: the page shows the end of the run. */
  readonly applies: boolean;
  get(): number | null;
  set(moment: number | null): void;
  onChange(listener: () => void): void;
}

export function momentChoice(data: PageData, view: PageViewName | null): MomentChoice | null {
  const M = data.moments;
  if (!M) return null;
  const applies = view === null || view === 'heap';
  const end = { profile: data.profile, top: data.top, topWithInternals: data.topWithInternals };
  const opensAt = openingMoment(M, data.profile?.totalBytes ?? 0);
  const asked = readHash(location.hash).at;
  let current = !applies ? null : asked === null ? opensAt : momentOfHash(M, asked);
  const listeners: (() => void)[] = [];
  const apply = () => {
    Object.assign(data, current === null ? end
      : { profile: momentProfile(M, current), top: momentTop(M, current, false), topWithInternals: momentTop(M, current, true) });
  };
  apply();
  return {
    moments: M,
    applies,
    get: () => current,
    set(moment) {
      if (!applies) {
        if (moment === null) return;
        location.hash = hashOf({ ...readHash(location.hash), view: 'heap', at: hashOfMoment(M, moment) });
        location.reload();
        return;
      }
      if (moment === current) return;
      current = moment;
      updateHash({ at: moment === opensAt ? null : moment === null ? 'end' : hashOfMoment(M, moment) });
      apply();
      for (const listener of listeners) listener();
    },
    onChange: (listener) => { listeners.push(listener); },
  };
}
