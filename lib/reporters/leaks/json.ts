import type { Reporter } from '../reporter';

export const leaksJsonReporter: Reporter<'LeakReport'> = {
  document: 'LeakReport',
  format: 'json',
  description: 'the LeakReport as JSON (schema in docs/leaks.md)',
  extension: '.json',
  render: (capture) => `${JSON.stringify(capture.leaks, null, 2)}\n`,
};
