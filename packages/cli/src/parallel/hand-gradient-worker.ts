/**
 * One gradient worker of {@link createHandDataParallelGradients} (a `worker_threads` script): loads the backend
 * as the CLI does (initBackend; wasm with 1 thread), builds its own copy of the handwriting network from the
 * config, and per step copies the shared weights in, differentiates Σ_{its lines} nats / B (B of the whole
 * batch) exactly as `trainStep` does, and writes its gradients to shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@seqgen/core/train';
import { createRng } from '@seqgen/core';
import { HandwritingModel } from '@seqgen/handwriting';
import { initBackend } from '../backend.js';
import type { HandFromWorker, HandGradientWorkerInit, HandToWorker } from './protocol.js';
import { loadWeights, writeGradients } from './worker-pool.js';

const init = workerData as HandGradientWorkerInit;
const port = parentPort;
if (port === null) throw new Error('hand-gradient-worker.ts must run as a worker thread');

function post(message: HandFromWorker): void {
  (port as NonNullable<typeof port>).postMessage(message);
}

const weights = new Float32Array(init.weights);
const grads = new Float32Array(init.grads);
let model: HandwritingModel;

function step(message: HandToWorker): { total: number; points: number } {
  const params = model.params;
  loadWeights(weights, params, init.layout);
  const B = message.batchSize;
  let points = 0;
  // The loss trainStep differentiates, restricted to this worker's lines: Σ_shard nats / B.
  const result = tf.variableGrads(() => {
    const loss = model.loss(message.batch);
    points = loss.points;
    return tf.div(loss.total, B) as tf.Scalar;
  }, Object.values(params));
  try {
    const total = (result.value.dataSync()[0] as number) * B;
    writeGradients(grads, result.grads, params, init.layout);
    return { total, points };
  } finally {
    tf.dispose([result.value, ...Object.values(result.grads)]);
  }
}

port.on('message', (message: HandToWorker) => {
  try {
    post({ type: 'done', ...step(message) });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});

try {
  const backend = await initBackend({ requested: init.backend, threads: 1, env: {} });
  model = new HandwritingModel(init.config, createRng(0));
  post({ type: 'ready', backend: backend.name });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
