// One row of a top table (Profile.top()). Kept apart from profile.ts, with no
// Node import, so that the HTML report's page (tsconfig.client.json, no Node
// types) can use it; profile.ts re-exports it.
import type { FrameInfo } from './frame-info';

/** One row of a top table. Bytes and objects are unbiased estimates. */
export interface TopRow {
  key: string;
  /** Human label: "fn (file:line:column)", a file, a package, or a stack. */
  label: string;
  /** The profile's bytes: allocated (allocated mode) or in use (live mode). */
  bytes: number;
  objects: number;
  /** bytes / objects. */
  averageSize: number;
  /** Share of the profile's total of the figure the table is sorted by (bytes by default). */
  share: number;
  /** Share of that total of this row and all rows above it. */
  cumulativeShare: number;
  /**
   * Present when the profile has live figures (`profile.hasLiveFigures`): of
   * `bytes`/`objects`, what was still alive at the end of its fold window, and
   * what was collected before (temporary = allocated − live).
   */
  liveBytes?: number;
  liveObjects?: number;
  temporaryBytes?: number;
  temporaryObjects?: number;
  /** The allocating frame (for site/function grouping; the top frame for stacks). */
  frame?: FrameInfo;
}
