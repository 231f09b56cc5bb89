#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr });
// A wasm thread pool or a stray handle must not keep a finished run alive.
process.exitCode = code;
setImmediate(() => process.exit(code));
