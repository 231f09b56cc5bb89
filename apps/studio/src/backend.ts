/**
 * Backend choice for the browser (STYLE §2): wasm, with its `.wasm` binaries served by Vite, else cpu.
 * Libraries never pick a backend; the studio does, and says which one runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@seqgen/core';
// Vite copies these into the bundle (hashed names) and gives their URLs; setWasmPaths maps tfjs's file names to them.
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Backends the studio can run on, fastest first. */
export type StudioBackend = 'wasm' | 'cpu';
export const STUDIO_BACKENDS: readonly StudioBackend[] = ['wasm', 'cpu'];

const loaders: Record<StudioBackend, () => Promise<void>> = {
  wasm: async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
    });
  },
  cpu: async () => {
    await import('@tensorflow/tfjs-backend-cpu');
  },
};

/**
 * The backend order for a `?backend=` query value: a named backend alone (forced), else wasm → cpu.
 * @throws {@link BackendError} for an unknown name.
 */
export function backendOrder(requested: string | null): StudioBackend[] {
  if (requested === null || requested === '' || requested === 'auto') return [...STUDIO_BACKENDS];
  if ((STUDIO_BACKENDS as readonly string[]).includes(requested)) return [requested as StudioBackend];
  throw new BackendError(`unknown backend ${JSON.stringify(requested)} in ?backend=, expected one of ${STUDIO_BACKENDS.join(', ')} or auto`);
}

/** Which backend runs and why the others were skipped. */
export interface BackendChoice {
  name: StudioBackend;
  skipped: Array<{ name: StudioBackend; reason: string }>;
  /** wasm only: whether the SIMD / multi-threaded builds are in use. */
  features: { simd?: boolean; threads?: boolean };
}

/**
 * Loads and activates the first backend of `order` that initialises.
 * @throws {@link BackendError} when none does.
 */
export async function selectBackend(order: readonly StudioBackend[]): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    try {
      await loaders[name]();
      if (await tf.setBackend(name)) {
        await tf.ready();
        const features: BackendChoice['features'] = {};
        if (name === 'wasm') {
          features.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
          features.threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
        }
        return { name, skipped, features };
      }
      skipped.push({ name, reason: 'setBackend returned false' });
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new BackendError(`no tfjs backend initialised (tried ${order.join(', ')}): ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
