import type { Reporter } from '../reporter';

export const statsJsonReporter: Reporter<'StatsReport'> = {
  document: 'StatsReport',
  format: 'json',
  description: 'the figures as JSON (schema: StatsReport in the API docs)',
  extension: '.json',
  render: (report) => `${JSON.stringify(report, null, 2)}\n`,
};
