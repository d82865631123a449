/** Node entry of a compute worker (worker_threads); the loop itself is in worker_core.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { workerLoop, type WorkerInit } from './worker_core.js';

workerLoop(workerData as WorkerInit, (message) => parentPort?.postMessage({ error: message }));
