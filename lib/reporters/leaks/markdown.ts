import { renderMarkdown } from '../document';
import { leakBlocks } from '../leaks-sections';
import type { Reporter } from '../reporter';
import { headerBlocks } from '../sections';

export const leaksMarkdownReporter: Reporter<'LeakReport'> = {
  document: 'LeakReport',
  format: 'markdown',
  description: 'the text report as Markdown tables (for issues and pull requests)',
  extension: '.md',
  render: (capture) => `${renderMarkdown([...headerBlocks(capture), ...leakBlocks(capture.leaks)])}\n`,
};
