/**
 * A reader for a format seqgen does not know: chat logs, one message per line,
 * `[hh:mm] speaker: message`. It turns them into a character-level `TextCorpus` with the
 * datasets package's own builder, so everything downstream (vocabulary, batching, training,
 * evaluation, sampling, checkpoints) works unchanged.
 */
import { charCorpusFromText, DatasetParseError, type TextCorpus } from '@seqgen/datasets';

const LINE = /^\[(\d\d):(\d\d)\] ([^:\s][^:]*): (.+)$/;

export interface ChatMessage {
  readonly time: string;
  readonly speaker: string;
  readonly text: string;
}

/** Parses a chat log; a malformed line is an error naming the file and the line. */
export function parseChatLog(content: string, file: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  content.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const match = LINE.exec(line);
    if (!match) {
      throw new DatasetParseError({ file, line: index + 1 }, `expected '[hh:mm] speaker: message', got '${line.slice(0, 60)}'`);
    }
    messages.push({ time: `${match[1]}:${match[2]}`, speaker: match[3] as string, text: match[4] as string });
  });
  return messages;
}

/**
 * A char corpus of the messages (one per line, speakers kept: "ann: good morning"), split by
 * position into train / validation / test (default 80/10/10).
 */
export function chatCorpus(content: string, file: string, split = { train: 80, valid: 10, test: 10 }): TextCorpus {
  const messages = parseChatLog(content, file);
  const text = messages.map((m) => `${m.speaker}: ${m.text}\n`).join('');
  return charCorpusFromText([{ id: file, text }], {
    name: 'chat',
    split,
    conventions: ['chat log: timestamps dropped, one message per line as "speaker: message"'],
  });
}
