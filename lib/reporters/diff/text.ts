import { renderText } from '../document';
import type { Reporter } from '../reporter';
import { diffBlocks } from './blocks';

export const diffTextReporter: Reporter<'CaptureDiff'> = {
  document: 'CaptureDiff',
  format: 'text',
  description: 'plain text: the sites that grew or shrank most, largest change first',
  extension: '.txt',
  render: (diff, options) => `${renderText(diffBlocks(diff), options.color)}\n`,
};
