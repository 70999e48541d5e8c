// The leak hunt as a capture file, for "allocscope report" in any format later.
import { encodeCapture } from '../../capture/file';
import type { Reporter } from '../reporter';

export const leaksCaptureReporter: Reporter<'LeakReport'> = {
  document: 'LeakReport',
  format: 'capture',
  description: 'an allocscope capture, for "allocscope report"',
  extension: '.allocscope',
  binary: true,
  render: (capture) => encodeCapture(capture),
};
