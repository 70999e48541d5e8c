import { renderText } from '../document';
import { leakBlocks } from '../leaks-sections';
import type { Reporter } from '../reporter';
import { headerBlocks } from '../sections';

export const leaksTextReporter: Reporter<'LeakReport'> = {
  document: 'LeakReport',
  format: 'text',
  description: 'plain text: leak suspects, growing constructors, retainer chains',
  extension: '.txt',
  render: (capture, options) => `${renderText([...headerBlocks(capture), ...leakBlocks(capture.leaks)], options.color)}\n`,
};
