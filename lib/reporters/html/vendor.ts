// Third-party code inlined into the HTML report, read from the installed
// packages at render time (the page must not load anything from the network).
import * as fs from 'node:fs';

export interface Vendor {
  /** uPlot (https://github.com/leeoniya/uPlot), the timeline chart: a script defining the global `uPlot`. */
  uplotJs: string;
  uplotCss: string;
}

let cached: Vendor | undefined;

/**
 * Text safe inside a `<script>` or `<style>` element: "</script" becomes "<\/script"
 * (the same text in a JS string, regular expression or comment). "<!--" has no
 * such rewrite in every JS context, so it is refused.
 */
export function inlineSafe(text: string, element: 'script' | 'style', name: string = element): string {
  if (text.includes('<!--')) throw new Error(`cannot inline ${name} into the HTML report: it contains "<!--"`);
  return text.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1');
}

export function vendor(): Vendor {
  if (!cached) {
    const read = (file: string) => fs.readFileSync(require.resolve(file), 'utf8');
    cached = {
      uplotJs: inlineSafe(read('uplot/dist/uPlot.iife.min.js'), 'script', 'uPlot'),
      uplotCss: inlineSafe(read('uplot/dist/uPlot.min.css'), 'style', 'uPlot CSS'),
    };
  }
  return cached;
}
