// The one registry of reports: every (document, format) pair and where its
// reporter lives. A new format is one reporter file plus one line here; the CLI
// takes its --format choices, help lines and output rules from this table.
import type { DocumentName, Reporter } from './reporter';

type Registry = { readonly [D in DocumentName]: Readonly<Record<string, () => Reporter<D>>> };

// Loaded on first use, so that `allocscope report --format text` does not pay
// for the HTML template or the protobuf encoder. The first format of each
// document is its default.
const REPORTERS: Registry = {
  Capture: {
    text: () => require('./text').textReporter,
    markdown: () => require('./markdown').markdownReporter,
    json: () => require('./json').jsonReporter,
    html: () => require('./html').htmlReporter,
    pprof: () => require('./pprof').pprofReporter,
    heapprofile: () => require('./heapprofile').heapprofileReporter,
    speedscope: () => require('./speedscope').speedscopeReporter,
  },
  CaptureDiff: {
    text: () => require('./diff/text').diffTextReporter,
    markdown: () => require('./diff/markdown').diffMarkdownReporter,
    json: () => require('./diff/json').diffJsonReporter,
    html: () => require('./diff/html').diffHtmlReporter,
  },
  StatsReport: {
    text: () => require('./stats/text').statsTextReporter,
    json: () => require('./stats/json').statsJsonReporter,
  },
  LeakReport: {
    text: () => require('./leaks/text').leaksTextReporter,
    markdown: () => require('./leaks/markdown').leaksMarkdownReporter,
    json: () => require('./leaks/json').leaksJsonReporter,
    html: () => require('./leaks/html').leaksHtmlReporter,
    capture: () => require('./leaks/capture').leaksCaptureReporter,
  },
};

export const DOCUMENTS = Object.keys(REPORTERS) as readonly DocumentName[];

/** The --format names of a document, its default first (loads no reporter). */
export function formatsOf(document: DocumentName): readonly string[] {
  return Object.keys(REPORTERS[document]);
}

export function reporterFor<D extends DocumentName>(document: D, format: string): Reporter<D> | undefined {
  const load = Object.hasOwn(REPORTERS[document], format) ? REPORTERS[document][format] as () => Reporter<D> : undefined;
  return load?.();
}

/** Every reporter of a document, in registry order (loads them all: for --help). */
export function reportersOf<D extends DocumentName>(document: D): Reporter<D>[] {
  return formatsOf(document).map((format) => reporterFor(document, format)!);
}
