import { readBrownParagraphs } from '@seqgen/datasets/node';
const p = readBrownParagraphs(100000);
console.log(p.length);
