// `node --require allocscope/continuous app.js`: continuous profiling configured
// by ALLOCSCOPE_* variables (see env.ts), with no code change. --require runs in
// every worker thread too: there it profiles the worker and forwards to the main
// thread (see agent/continuous.ts).
import { startContinuousInThisThread } from '../agent/continuous';
import { optionsFromEnv } from './env';

startContinuousInThisThread(() => optionsFromEnv());
