// Writes choices into the URL's hash without a reload, keeping the others.
import { hashOf, readHash, type HashState } from '../hash-state';

export function updateHash(change: Partial<HashState>): void {
  const hash = hashOf({ ...readHash(location.hash), ...change });
  // Replaced, not pushed: a choice is a setting, not a place to go back to.
  history.replaceState(history.state, '', `${location.pathname}${location.search}${hash ? `#${hash}` : ''}`);
}
