// What the URL's hash keeps of the page's choices, so that a reload, a link or
// the browser's back button keeps them: the view (#view=native), whether the
// flame graph and the top table show the frames the program does not own
// (internals=1), merge by function (merge=1) and the focused function
// (focus=name@file:line:column). Absent keys are the defaults.
export interface HashState {
  view: string | null;
  internals: boolean;
  merge: boolean;
  focus: string | null;
}

export function readHash(hash: string): HashState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return {
    view: params.get('view'),
    internals: params.get('internals') === '1',
    merge: params.get('merge') === '1',
    focus: params.get('focus') || null,
  };
}

/** The hash for `state` (without '#'), defaults left out. */
export function hashOf(state: HashState): string {
  const params = new URLSearchParams();
  if (state.view) params.set('view', state.view);
  if (state.internals) params.set('internals', '1');
  if (state.merge) params.set('merge', '1');
  if (state.focus) params.set('focus', state.focus);
  return params.toString();
}
