import type { Reporter } from '../reporter';

export const diffJsonReporter: Reporter<'CaptureDiff'> = {
  document: 'CaptureDiff',
  format: 'json',
  description: 'the diff rows as JSON (format "allocscope-diff")',
  extension: '.json',
  render: (diff) => `${JSON.stringify({ format: 'allocscope-diff', version: 1, ...diff }, null, 2)}\n`,
};
