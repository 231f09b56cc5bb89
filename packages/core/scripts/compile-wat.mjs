/** WebAssembly text → binary with wabt (a devDependency), for build-wasm.mjs and the test that checks its output. */
import wabtInit from 'wabt';

/** The two variants of lstm-simd.wat: MEMORY_LIMITS replaced by nothing (plain) or `65536 shared`. */
export async function compileLstmSimd(wat) {
  const wabt = await wabtInit();
  const compile = (text) => {
    const module = wabt.parseWat('lstm-simd.wat', text, { simd: true, threads: true });
    try {
      // (no module.validate(): wabt's JS build rejects shared memories there even with `threads`; the engine
      // validates the binary when it compiles it, and lstm-simd.test.ts compiles both)
      return Uint8Array.from(module.toBinary({}).buffer);
    } finally {
      module.destroy();
    }
  };
  return { plain: compile(wat.replace('MEMORY_LIMITS', '')), shared: compile(wat.replace('MEMORY_LIMITS', '65536 shared')) };
}
