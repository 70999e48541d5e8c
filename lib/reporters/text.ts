import { renderText } from './document';
import type { Reporter } from './reporter';
import { captureBlocks } from './sections';

export const textReporter: Reporter = {
  document: 'Capture',
  format: 'text',
  description: 'plain text: top sites, GC, heap spaces, allocator, process',
  extension: '.txt',
  render: (capture, options) => `${renderText(captureBlocks(capture, options), options.color)}\n`,
};
