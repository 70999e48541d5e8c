// The report formats, by --format name.
import type { Reporter } from './reporter';

// Loaded on first use, so that `allocscope report --format text` does not pay
// for the HTML template or the protobuf encoder.
const LOADERS: Record<string, () => Reporter> = {
  text: () => require('./text').textReporter,
  markdown: () => require('./markdown').markdownReporter,
  json: () => require('./json').jsonReporter,
  html: () => require('./html').htmlReporter,
  pprof: () => require('./pprof').pprofReporter,
  heapprofile: () => require('./heapprofile').heapprofileReporter,
  speedscope: () => require('./speedscope').speedscopeReporter,
};

export const REPORT_FORMATS: readonly string[] = Object.keys(LOADERS);

export function reporterFor(format: string): Reporter | undefined {
  return LOADERS[format]?.();
}
