import { renderMarkdown } from '../document';
import type { Reporter } from '../reporter';
import { diffBlocks } from './blocks';

export const diffMarkdownReporter: Reporter<'CaptureDiff'> = {
  document: 'CaptureDiff',
  format: 'markdown',
  description: 'the text diff as a Markdown table (for pull requests)',
  extension: '.md',
  render: (diff) => renderMarkdown(diffBlocks(diff)),
};
