// `node --require allocscope/continuous app.js`: continuous profiling configured
// by ALLOCSCOPE_* variables (see env.ts), with no code change. --require runs in
// every worker thread too: there it profiles the worker and forwards to the main
// thread. A bad configuration prints one line (code and reason) on the main
// thread and leaves profiling off: a profiler must never take the service down.
import { isMainThread } from 'node:worker_threads';
import { isCodedError } from '../core/errors';
import { optionsFromEnv } from './env';
import { continuous } from './index';

function startFromEnv(): void {
  let options;
  try {
    options = optionsFromEnv();
    if (!options) return;
    if (!isMainThread) {
      if (options.workers === false) return;
      options = { ...options, exporters: [] }; // forward to the main thread
    }
    const session = continuous.start(options);
    // The last partial period goes out when the program ends by itself.
    if (isMainThread) process.once('beforeExit', () => { void session.stop(); });
  } catch (error) {
    if (!isMainThread) return; // the main thread has said it already
    const message = error instanceof Error ? error.message.replace(/^allocscope: /, '') : String(error);
    const code = isCodedError(error) ? error.code : 'ERR_ALLOCSCOPE_UNEXPECTED';
    process.stderr.write(`allocscope: continuous profiling is off: ${code}: ${message}\n`);
  }
}

startFromEnv();
