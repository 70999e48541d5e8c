// One interface for every report: a reporter renders one document in one format.
// The registry (index.ts) keys them by (document, format); the CLI reads their
// descriptions for --help and their flags to decide where the output may go.
import type { Capture } from '../capture/capture';
import type { LeakReport } from '../leaks/report';
import type { GroupBy } from '../profile/profile';
import type { CaptureDiff } from './capture-diff';
import type { StatsReport } from './stats-report';

/** What each document is, by name. */
export interface Documents {
  /** A capture written by `allocscope run` (`allocscope report`). */
  Capture: Capture;
  /** Per-group growth between two captures (`allocscope diff`). */
  CaptureDiff: CaptureDiff;
  /** Heap, GC, allocator and pool figures (`allocscope stats`). */
  StatsReport: StatsReport;
  /** The capture of a leak hunt, with its findings (`allocscope leaks`). */
  LeakReport: Capture & { leaks: LeakReport };
}

export type DocumentName = keyof Documents;

export interface ReportOptions {
  /** Rows in top tables. */
  top: number;
  /** How the top table groups allocations. */
  by: GroupBy;
  /** ANSI colour (text on a TTY only). */
  color: boolean;
}

export const DEFAULT_REPORT_OPTIONS: ReportOptions = { top: 20, by: 'site', color: false };

export interface Reporter<D extends DocumentName = 'Capture'> {
  readonly document: D;
  /** The --format name. */
  readonly format: string;
  /** One line for --help. */
  readonly description: string;
  /** File extension for -o, with the dot. */
  readonly extension: string;
  /** Renders bytes, which never go to a terminal: needs -o. */
  readonly binary?: boolean;
  /** Text, but only useful as a file (a page, a capture): needs -o. */
  readonly needsFile?: boolean;
  render(document: Documents[D], options: ReportOptions): string | Uint8Array;
}
