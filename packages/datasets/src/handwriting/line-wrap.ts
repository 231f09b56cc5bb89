/**
 * Word-wrapping running text into handwriting-sized lines (IAM-OnDB lines hold ≈ 40–50 characters).
 */

/**
 * Cuts running sentences into handwriting-sized lines of at most `maxChars` characters (word wrap; words
 * longer than that are skipped), each at least `minChars` long except at the end of a sentence.
 */
export function wrapIntoLines(sentences: readonly string[], maxChars = 60, minChars = 12): string[] {
  const lines: string[] = [];
  for (const sentence of sentences) {
    let current = '';
    for (const word of sentence.split(' ')) {
      if (word.length > maxChars) continue;
      if (current.length + word.length + (current ? 1 : 0) > maxChars) {
        if (current.length >= minChars) lines.push(current);
        current = word;
      } else current = current ? `${current} ${word}` : word;
    }
    if (current.length > 0) lines.push(current);
  }
  return lines;
}
