// The report's data as JSON for tools. Schema: docs/report-json.md.
import { Profile } from '../profile/profile';
import { momentProfileData } from '../sampler/moments';
import type { Reporter } from './reporter';

export const jsonReporter: Reporter = {
  document: 'Capture',
  format: 'json',
  description: 'the report data as JSON (schema in docs/report-json.md)',
  extension: '.json',
  render(capture, options) {
    const section = (data: typeof capture.profile) => {
      if (!data) return null;
      const profile = new Profile(data);
      return {
        mode: profile.mode,
        intervalBytes: profile.data.intervalBytes,
        sampleTypes: profile.sampleTypes,
        totals: profile.totals(),
        by: options.by,
        top: profile.top(options.top, { by: options.by }),
        // A moment of the live heap (report --at): when, and the heap used then.
        ...(profile.moment ? { moment: profile.moment } : {}),
      };
    };
    const m = capture.memoryOverTime;
    const report = {
      format: 'allocscope-report',
      version: 1,
      meta: capture.meta,
      profile: section(capture.profile),
      // `run --native`: malloc & co. by site (absent from other captures).
      ...(capture.nativeProfile !== undefined ? { nativeProfile: section(capture.nativeProfile) } : {}),
      // run --mode live: the peak's live profile, and the top sites' live bytes at each moment.
      ...(m ? {
        memoryOverTime: {
          peak: m.peakIndex >= 0 ? section(momentProfileData(m, m.peakIndex)) : null,
          atMs: Array.from(m.atMs), usedBytes: Array.from(m.usedBytes), peakIndex: m.peakIndex,
          sites: m.sites, figures: m.figures,
        },
      } : {}),
      gc: capture.gc.summary,
      heap: capture.heap,
      spaces: capture.spaces,
      malloc: capture.malloc,
      fragmentation: capture.fragmentation,
      pools: capture.pools,
      leaks: capture.leaks ?? null,
    };
    return `${JSON.stringify(report, null, 2)}\n`;
  },
};
