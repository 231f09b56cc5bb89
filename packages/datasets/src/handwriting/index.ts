/** Handwriting data: IAM-OnDB formats, preprocessing, alphabets, binary cache, synthetic Hershey handwriting. */
export * from './types.js';
export { parseXml, decodeXmlBytes, decodeText, type XmlElement } from './xml.js';
export {
  parseLineStrokes,
  parseTranscription,
  parseSplitFile,
  parseIamLineId,
  formatLineStrokes,
  formatTranscription,
  encodeLatin1,
  type LineStrokesResult,
  type IamLineId,
} from './iam-format.js';
export {
  DEFAULT_STEP_THRESHOLD,
  medianSamplingInterval,
  interpolateMissingReadings,
  strokesToOffsets,
  computeOffsetStats,
  normaliseOffsets,
  denormaliseOffsets,
  offsetsToTraces,
  type PreprocessOptions,
  type PreprocessReport,
} from './preprocess.js';
export { OTHER_SYMBOL, PAPER_ALPHABET, fullAlphabet, buildAlphabet, encodeText, mapToAlphabet, type AlphabetKind } from './alphabet.js';
export { CACHE_FORMAT_VERSION, encodeHandwritingCache, decodeHandwritingCache } from './cache-format.js';
export { HERSHEY_METRICS, parseHersheyFont, type HersheyFont, type HersheyGlyph, type HersheyFontJson } from './hershey-font.js';
export { randomWriterStyle, writerStyle, type WriterStyle, type WriterFont } from './writer-style.js';
export { writeLine, type HersheyFonts, type WriteLineOptions } from './synth.js';
export { seededRandom, mixSeed, type RandomSource } from './random.js';
export { wrapIntoLines } from './line-wrap.js';
export * from './dataset.js';
