// Worker bootstrap: registers tsx in this thread (a Worker does not inherit the parent's loader,
// and `execArgv: ['--import', 'tsx']` is not honoured for workers), then loads the TypeScript
// entry named in workerData.entry. Works under vitest, `node --import tsx` and bin/lumen.mjs.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
