import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { LstmStack } from '@seqgen/core';
import { describe, expect, it } from 'vitest';
import { defaultTextRunConfig, parseRunConfig, readRunConfigFile } from './run-config.js';

const configs = fileURLToPath(new URL('../../../../configs/', import.meta.url));

describe('text run configs', () => {
  it('parses every configs/text-*.json; the paper configs have the paper weight counts (paper.md §1.2)', () => {
    const files = readdirSync(configs).filter((f) => f.startsWith('text-') && f.endsWith('.json'));
    expect(files.sort()).toEqual(['text-default.json', 'text-enwik8.paper.json', 'text-penn-char.paper.json', 'text-penn-word.paper.json']);
    const count = (file: string, K: number): number => {
      const run = readRunConfigFile(join(configs, file));
      return LstmStack.countWeights({ inputSize: K, outputSize: K, ...run.model });
    };
    expect(count('text-penn-char.paper.json', 49)).toBe(4_252_049);
    expect(count('text-penn-word.paper.json', 10_000)).toBe(54_017_000);
    expect(count('text-enwik8.paper.json', 205)).toBe(30_537_005);
    const penn = readRunConfigFile(join(configs, 'text-penn-char.paper.json'));
    expect(penn.training.optimizer).toEqual({ name: 'sgd', learningRate: 1e-4, momentum: 0.99 });
    expect(penn.training.weightNoise).toBe(0.075);
    expect(penn.model.lstmClip).toBe(1);
    const enwik8 = readRunConfigFile(join(configs, 'text-enwik8.paper.json'));
    expect(enwik8.training).toMatchObject({ seqLength: 100, resetEvery: 100, epochs: 4, optimizer: { name: 'sgd', momentum: 0.9 } });
    // The file default and the built-in default agree.
    const file = readRunConfigFile(join(configs, 'text-default.json'));
    const builtIn = defaultTextRunConfig();
    expect(file.model).toEqual(builtIn.model);
    expect(file.training).toEqual(builtIn.training);
  });

  it('rejects unknown fields and bad values, naming the file and field', () => {
    expect(() => parseRunConfig({ modle: {} }, 'x.json')).toThrow(/x.json: unknown field 'modle'/);
    expect(() => parseRunConfig({ model: { hiddenSizes: [0] } }, 'x.json')).toThrow(/x.json: model.hiddenSizes is \[0\], expected a non-empty array/);
    expect(() => parseRunConfig({ training: { seqLength: 1.5 } }, 'x.json')).toThrow(/training.seqLength is 1.5/);
    expect(() => readRunConfigFile('/nonexistent/c.json')).toThrow(/config file \/nonexistent\/c.json does not exist/);
  });
});
