import { writeFileSync } from 'node:fs';
import { readBrownCorpus } from '@seqgen/datasets/node';
const c = await readBrownCorpus();
writeFileSync('/tmp/brown-train.bin', Buffer.from(Uint8Array.from(c.splits.train.subarray(0, 3_000_000))));
writeFileSync('/tmp/brown-valid.bin', Buffer.from(Uint8Array.from(c.splits.valid.subarray(0, 30_001))));
console.log(c.symbols.length);
