/**
 * One gradient worker of {@link createDataParallelGradients} (a `worker_threads` script): loads the backend as
 * the CLI does (initBackend; wasm with 1 thread), holds its own copy of the text model and the carried LSTM state
 * of ITS streams, and per step copies the shared weights in, differentiates Σ_shard nats / B exactly as
 * `trainStep` does, and writes its gradients and its streams' new state to shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@seqgen/core/train';
import { createRng, softmaxCrossEntropy, type LstmState } from '@seqgen/core';
import { TextModel, vocabularyFromJson } from '@seqgen/text';
import { initBackend } from '../backend.js';
import { stateLayout, type FromWorker, type GradientWorkerInit, type ToWorker } from './protocol.js';
import { loadWeights, writeGradients } from './worker-pool.js';

const init = workerData as GradientWorkerInit;
const port = parentPort;
if (port === null) throw new Error('gradient-worker.ts must run as a worker thread');

function post(message: FromWorker): void {
  (port as NonNullable<typeof port>).postMessage(message);
}

const { streamStart: b0, streamEnd: b1, batchSize: B, seqLength: T } = init;
const Bk = b1 - b0;
const weights = new Float32Array(init.weights);
const grads = new Float32Array(init.grads);
const ids = new Int32Array(init.ids);
const shared = new Float32Array(init.state);
const layout = stateLayout(init.model.config.hiddenSizes, B);

let model: TextModel;
let local: LstmState | undefined;

function disposeLocal(): void {
  if (local) tf.dispose([...local.h, ...local.c]);
  local = undefined;
}

/** This shard's rows of the shared state as tensors `[Bk, H]`. */
function readState(): LstmState {
  const rows = (at: number, H: number): tf.Tensor2D => tf.tensor2d(shared.slice(at + b0 * H, at + b1 * H), [Bk, H]);
  const sizes = init.model.config.hiddenSizes;
  return { h: sizes.map((H, n) => rows(layout.h[n] as number, H)), c: sizes.map((H, n) => rows(layout.c[n] as number, H)) };
}

function writeState(state: LstmState): void {
  const sizes = init.model.config.hiddenSizes;
  sizes.forEach((H, n) => {
    shared.set((state.h[n] as tf.Tensor).dataSync(), (layout.h[n] as number) + b0 * H);
    shared.set((state.c[n] as tf.Tensor).dataSync(), (layout.c[n] as number) + b0 * H);
  });
}

function step(loadState: boolean): number {
  const params = model.params;
  loadWeights(weights, params, init.layout);
  if (loadState || local === undefined) {
    disposeLocal();
    local = readState();
  }
  const inputIds = new Int32Array(T * Bk);
  const targetIds = new Int32Array(T * Bk);
  for (let t = 0; t < T; t++) {
    for (let b = b0; b < b1; b++) {
      inputIds[t * Bk + b - b0] = ids[t * B + b] as number;
      targetIds[t * Bk + b - b0] = ids[(T + t) * B + b] as number;
    }
  }
  const inputs = tf.tensor2d(inputIds, [T, Bk], 'int32');
  const targets = tf.tensor2d(targetIds, [T, Bk], 'int32');
  const start = local;
  let next: LstmState | undefined;
  const vars = init.layout.names.map((n) => params[n] as tf.Variable);
  try {
    // The loss trainStep differentiates, restricted to this shard: Σ_shard nats / B (B of the whole batch).
    const result = tf.variableGrads(() => {
      const out = model.forward(inputs, start);
      next = { h: out.state.h.map((h) => tf.keep(h)), c: out.state.c.map((c) => tf.keep(c)) };
      return tf.div(softmaxCrossEntropy(out.logits, targets), B) as tf.Scalar;
    }, vars);
    const nats = (result.value.dataSync()[0] as number) * B;
    writeGradients(grads, result.grads, params, init.layout);
    tf.dispose([result.value, ...Object.values(result.grads)]);
    const after = next as LstmState;
    writeState(after);
    disposeLocal();
    local = after;
    return nats;
  } finally {
    tf.dispose([inputs, targets]);
  }
}

port.on('message', (message: ToWorker) => {
  try {
    post({ type: 'done', nats: step(message.loadState) });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});

try {
  const backend = await initBackend({ requested: init.backend, threads: 1, env: {} });
  model = TextModel.create(init.model.config, vocabularyFromJson(init.model.vocabulary, 'gradient worker'), createRng(0));
  post({ type: 'ready', backend: backend.name });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
