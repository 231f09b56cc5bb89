export * from './text-readers.js';
export { readFileBytes, readZipEntry, listFiles, isZipFile, type ZipEntryBytes } from './text-files.js';
export { readIamOnDb, type IamReadOptions, type IamReadReport, type SkippedItem } from './iam-reader.js';
export { loadHersheyFonts, hersheyFontFile, readBrownParagraphs } from './hershey-source.js';
export { writeSyntheticIam, type WriteIamOptions, type WriteIamResult } from './hershey-iam.js';
export { saveHandwritingCache, loadHandwritingCache } from './cache-file.js';
