// Kept apart from inlining.ts, which reads V8's flags through node:v8, so that
// plain-data types (a capture's meta, which the HTML report's page reads) can
// name it without Node; inlining.ts re-exports it.

/** Whether V8 inlined functions while the profile was taken: `off` when neither Turbofan nor Maglev did (allocscope's default for development-time runs, or the program's own flags). */
export type InliningState = 'on' | 'off';
