import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SeqgenError } from '@seqgen/core';
import { describe, expect, it } from 'vitest';
import { chatCorpus, parseChatLog } from './chat-reader.js';
import { runChatExperiment } from './experiment.js';

const file = fileURLToPath(new URL('./__fixtures__/chat.log', import.meta.url));
const content = readFileSync(file, 'utf8');

describe('chat reader', () => {
  it('parses messages and builds a char corpus split 80/10/10', () => {
    expect(parseChatLog(content, file)).toHaveLength(10);
    const corpus = chatCorpus(content, file);
    const total = corpus.splits.train.length + corpus.splits.valid.length + (corpus.splits.test?.length ?? 0);
    expect(corpus.unit).toBe('char');
    expect(Math.round((corpus.splits.train.length / total) * 100)).toBe(80);
    expect(corpus.symbols).toContain('a');
  });

  it('names the file and line of a malformed message', () => {
    const bad = `${content}this line has no speaker\n`;
    let error: unknown;
    try {
      parseChatLog(bad, 'chat.log');
    } catch (e) {
      error = e;
    }
    expect(SeqgenError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/chat\.log.*11/);
  });
});

describe('chat experiment', () => {
  it('trains: bits per character on the training text fall by more than half', async () => {
    const { before, after, sample } = await runChatExperiment(content, file, 150);
    expect(before.bitsPerSymbol).toBeGreaterThan(4);
    expect(after.bitsPerSymbol).toBeLessThan(before.bitsPerSymbol / 2);
    expect(sample.length).toBeGreaterThan(0);
  });
});
