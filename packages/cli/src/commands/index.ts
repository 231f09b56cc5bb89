/**
 * Every CLI command, listed once. Add a command by writing commands/<name>.ts that exports a
 * `Command` and adding it here.
 */
import type { Command } from '../command.js';
import { handDataPrepareCommand, handDataShowCommand } from './hand-data.js';
import { handTrainCommand } from './hand-train.js';
import { handEvalCommand } from './hand-eval.js';
import { handPlotCommand } from './hand-plot.js';
import { handSampleCommand } from './hand-sample.js';
import { handWriteCommand } from './hand-write.js';
import { infoCommand } from './info.js';
import { selftestCommand } from './selftest.js';
import { textEvalCommand } from './text-eval.js';
import { textSampleCommand } from './text-sample.js';
import { textTrainCommand } from './text-train.js';

export const commands: readonly Command[] = [infoCommand, selftestCommand, handDataPrepareCommand, handDataShowCommand, handTrainCommand, handWriteCommand, handSampleCommand, handEvalCommand, handPlotCommand, textTrainCommand, textEvalCommand, textSampleCommand];
