// The capture's HTML page, which shows the leak suspects above the flame graph.
import { htmlReporter } from '../html';
import type { Reporter } from '../reporter';

export const leaksHtmlReporter: Reporter<'LeakReport'> = {
  document: 'LeakReport',
  format: 'html',
  description: 'the self-contained report page, leak suspects first',
  extension: '.html',
  needsFile: true,
  render: (capture, options) => htmlReporter.render(capture, options),
};
