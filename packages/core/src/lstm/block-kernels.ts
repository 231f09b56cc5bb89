/**
 * Two memory-copy kernels the recurrent loop needs on every step, registered for the cpu and wasm
 * backends (other backends use the stock tfjs ops):
 *
 * - {@link splitBlocks}: x viewed as `[outer, n, inner]` → n tensors `[outer, inner]` (unstack over
 *   time, split of z into the four gate blocks). tfjs-backend-wasm 4.22's Slice/Unpack/SplitV copy the
 *   WHOLE input to JS (`readSync`) once per output: unstacking `[100, 32, 1024]` costs ~550 ms there;
 *   this kernel copies each element once (~3 ms).
 * - {@link concatColumns}: `[N, w_k]` tensors → `[N, Σ w_k]` (wasm's Concat along axis 1 also copies
 *   every input to JS first).
 * - {@link gatherRowsForward}: `table[ids]` as row copies (wasm's GatherV2 copies element by element,
 *   ~80 ms for 3200 rows of 1024).
 *
 * The kernels run only inside custom-gradient ops (not recorded on the tape), have no gradient of
 * their own, and read only the heap / typed arrays the backends already hold (no GPU read-back).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';

const SPLIT = 'SeqgenSplitBlocks';
const GATHER = 'SeqgenGatherRows';
const CONCAT = 'SeqgenConcatColumns';

type Typed = Float32Array | Int32Array | Uint8Array;
type Info = tf.TensorInfo;

/** What the kernels use of tfjs-backend-wasm's BackendWasm (public methods). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Typed;
}

/** What the kernels use of tfjs-backend-cpu's MathBackendCPU (public methods). */
interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Typed): Info;
}

interface Storage {
  /** Views of the inputs (valid until the next allocation). */
  view(info: Info): Typed;
  /** A new output whose data `fill` writes; returns its info. */
  alloc(shape: number[], dtype: tf.DataType): Info;
  /** A view of an output made by `alloc`. */
  out(info: Info): Typed;
}

function storageFor(backendName: string, backend: unknown): Storage {
  if (backendName === 'wasm') {
    const b = backend as WasmBackendLike;
    return { view: (i) => b.typedArrayFromHeap(i), alloc: (s, d) => b.makeOutput(s, d), out: (i) => b.typedArrayFromHeap(i) };
  }
  const b = backend as CpuBackendLike;
  const pending = new Map<Info, Typed>();
  return {
    view: (i) => b.readSync(i.dataId) as Typed,
    alloc: (s, d) => {
      const size = s.reduce((a, c) => a * c, 1);
      const data = d === 'int32' ? new Int32Array(size) : new Float32Array(size);
      const info = b.makeTensorInfo(s, d, data);
      pending.set(info, data);
      return info;
    },
    out: (i) => pending.get(i) as Typed,
  };
}

function splitKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs['x'] as Info;
    const { outer, n, inner, shape } = attrs as unknown as { outer: number; n: number; inner: number; shape: number[] };
    const st = storageFor(backendName, backend);
    const outs: Info[] = [];
    for (let k = 0; k < n; k++) outs.push(st.alloc(shape, x.dtype));
    const src = st.view(x); // after all allocations: wasm heap growth would detach earlier views
    for (let k = 0; k < n; k++) {
      const dst = st.out(outs[k] as Info);
      if (outer === 1) {
        dst.set(src.subarray(k * inner, (k + 1) * inner));
      } else {
        for (let r = 0; r < outer; r++) {
          const from = (r * n + k) * inner;
          dst.set(src.subarray(from, from + inner), r * inner);
        }
      }
    }
    return outs;
  };
}

function gatherKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const table = inputs['table'] as Info;
    const ids = inputs['ids'] as Info;
    const [V, D] = table.shape as [number, number];
    const N = ids.shape[0] as number;
    const st = storageFor(backendName, backend);
    const out = st.alloc([N, D], table.dtype);
    const src = st.view(table);
    const idx = st.view(ids);
    const dst = st.out(out);
    for (let r = 0; r < N; r++) {
      const id = idx[r] as number;
      if (!(id >= 0 && id < V)) throw new ShapeError(`gatherRows: id ${id} at position ${r} is outside [0, ${V})`);
      dst.set(src.subarray(id * D, (id + 1) * D), r * D);
    }
    return out;
  };
}

function concatKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { n } = attrs as unknown as { n: number };
    const xs: Info[] = [];
    for (let k = 0; k < n; k++) xs.push(inputs[`x${k}`] as Info);
    const N = (xs[0] as Info).shape[0] as number;
    const widths = xs.map((x) => x.shape[1] as number);
    const W = widths.reduce((a, b) => a + b, 0);
    const st = storageFor(backendName, backend);
    const out = st.alloc([N, W], (xs[0] as Info).dtype);
    const dst = st.out(out);
    let col = 0;
    xs.forEach((x, k) => {
      const w = widths[k] as number;
      const src = st.view(x);
      for (let r = 0; r < N; r++) dst.set(src.subarray(r * w, (r + 1) * w), r * W + col);
      col += w;
    });
    return out;
  };
}

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  for (const backendName of ['cpu', 'wasm']) {
    if (tf.getKernel(SPLIT, backendName) === undefined) {
      tf.registerKernel({ kernelName: SPLIT, backendName, kernelFunc: splitKernel(backendName) });
    }
    if (tf.getKernel(CONCAT, backendName) === undefined) {
      tf.registerKernel({ kernelName: CONCAT, backendName, kernelFunc: concatKernel(backendName) });
    }
    if (tf.getKernel(GATHER, backendName) === undefined) {
      tf.registerKernel({ kernelName: GATHER, backendName, kernelFunc: gatherKernel(backendName) });
    }
  }
}

function fast(): boolean {
  const name = tf.getBackend();
  if (name !== 'cpu' && name !== 'wasm') return false;
  ensureRegistered();
  return true;
}

/**
 * Splits `x`, viewed as `[outer, n, inner]` (row-major), into n tensors of shape `shape`
 * (`outer · inner` elements each): `splitBlocks(x [T, B, D], 1, T, B·D, [B, D])` unstacks over time;
 * `splitBlocks(z [B, 4H], B, 4, H, [B, H])` splits the gate blocks. NOT differentiable: use inside
 * custom-gradient ops only.
 */
export function splitBlocks(x: tf.Tensor, outer: number, n: number, inner: number, shape: number[]): tf.Tensor[] {
  if (outer * n * inner !== x.size || shape.reduce((a, b) => a * b, 1) !== outer * inner) {
    throw new ShapeError(`splitBlocks: cannot view [${x.shape}] as [${outer}, ${n}, ${inner}] blocks of shape [${shape}]`);
  }
  if (fast()) {
    return tf.engine().runKernel(SPLIT, { x }, { outer, n, inner, shape } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  }
  return tf.tidy(() => tf.split(tf.reshape(x, [outer, n * inner]), n, 1).map((t) => tf.reshape(t, shape)));
}

/** Unstacks `x` `[T, ...rest]` over its first axis (see {@link splitBlocks}). Not differentiable. */
export function unstackRows(x: tf.Tensor): tf.Tensor[] {
  const T = x.shape[0] as number;
  return splitBlocks(x, 1, T, x.size / T, x.shape.slice(1));
}

/** Concatenates `[N, w_k]` tensors along axis 1 into `[N, Σ w_k]`. Not differentiable (custom-gradient ops only). */
export function concatColumns(xs: readonly tf.Tensor2D[]): tf.Tensor2D {
  const N = xs[0]?.shape[0];
  if (N === undefined || xs.some((x) => x.rank !== 2 || x.shape[0] !== N || x.dtype !== (xs[0] as tf.Tensor2D).dtype)) {
    throw new ShapeError(`concatColumns: need one or more [N, w] tensors of one dtype, got ${xs.map((x) => `[${x.shape}]`).join(', ')}`);
  }
  if (fast()) {
    const inputs: tf.NamedTensorMap = {};
    xs.forEach((x, k) => (inputs[`x${k}`] = x));
    return tf.engine().runKernel(CONCAT, inputs, { n: xs.length }) as tf.Tensor2D;
  }
  return tf.concat(xs as tf.Tensor2D[], 1);
}

/** `table[ids]` `[N, D]` by row copies; ids are range-checked. Not differentiable (see gatherRows). */
export function gatherRowsForward(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (fast()) return tf.engine().runKernel(GATHER, { table, ids }, {}) as tf.Tensor2D;
  return tf.gather(table, ids);
}
