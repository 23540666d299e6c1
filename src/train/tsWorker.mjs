// Entry of a worker thread that runs this project's TypeScript: a worker thread starts as plain Node, which can
// read neither TypeScript nor extensionless imports, whether the parent runs under tsx (the CLI) or vitest. So it
// registers tsx's loader first, then imports the module named in workerData.module (a file URL).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
