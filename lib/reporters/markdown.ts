import { renderMarkdown } from './document';
import type { Reporter } from './reporter';
import { captureBlocks } from './sections';

export const markdownReporter: Reporter = {
  document: 'Capture',
  format: 'markdown',
  description: 'the text report as Markdown tables (for issues and pull requests)',
  extension: '.md',
  render: (capture, options) => renderMarkdown(captureBlocks(capture, options)),
};
