// One interface for every report format; one reporter per file.
import type { Capture } from '../capture/capture';
import type { GroupBy } from '../profile/profile';

export interface ReportOptions {
  /** Rows in top tables. */
  top: number;
  /** How the top table groups allocations. */
  by: GroupBy;
  /** ANSI colour (text reporter on a TTY only). */
  color: boolean;
}

export const DEFAULT_REPORT_OPTIONS: ReportOptions = { top: 20, by: 'site', color: false };

export interface Reporter {
  /** The --format name. */
  readonly name: string;
  /** One line for --help. */
  readonly description: string;
  /** File extension for -o defaults, with the dot. */
  readonly extension: string;
  /** Renders a capture: text for most formats, bytes for binary ones (pprof). */
  render(capture: Capture, options: ReportOptions): string | Uint8Array;
}
