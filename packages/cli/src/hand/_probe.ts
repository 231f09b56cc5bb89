import { generateSyntheticLines, synthTextLines, buildHandwritingDataset } from '@seqgen/datasets';
import { loadHersheyFonts, readBrownParagraphs } from '@seqgen/datasets/node';
const fonts = loadHersheyFonts();
const texts = synthTextLines(readBrownParagraphs(200), 24);
console.log(texts.length, texts.slice(0, 5));
for (const sampleRate of [60, 30, 20]) {
  const lines = generateSyntheticLines(texts, fonts, { count: 40, writers: 8, seed: 1, sampleRate });
  const { dataset } = buildHandwritingDataset(lines.map((l) => ({ id: l.id, text: l.text, writer: l.writer.id, split: 'train' as const, strokes: l.strokes })));
  let pts = 0, chars = 0;
  for (const l of dataset.lines) { pts += l.offsets.length / 3; chars += l.text.length; }
  console.log(sampleRate, 'pts/char', (pts / chars).toFixed(1), 'pts/line', (pts / dataset.lines.length).toFixed(0), dataset.offsetStd, dataset.alphabet.length);
}
