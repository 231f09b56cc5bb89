/**
 * The studio page: picks the backend (wasm → cpu) and says which runs, runs the gradient self-test and a tiny
 * training run, then loads text and handwriting checkpoints (URL or files) to sample from.
 * Query parameters: `?backend=wasm|cpu|auto`, `?text=<checkpoint URL>`, `?hand=<checkpoint URL>` (loaded at start).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendOrder, selectBackend } from './backend.js';
import { fetchCheckpoint, readCheckpointFiles, type CheckpointBytes } from './checkpoint-source.js';
import { HAND_KINDS, loadHandModel, writeSvg, type LoadedHand } from './hand-model.js';
import { gradientSelfTest, trainTinyLanguageModel } from './lab.js';
import { formatBytes, lossChartSvg, lossTrend } from './loss-chart.js';
import { TEXT_CHECKPOINT_KIND, loadTextModel, streamText, type LoadedText } from './text-model.js';

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`studio page: element #${id} is missing from index.html`);
  return found as T;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function setStatus(section: string, status: string): void {
  el(section).dataset['status'] = status;
}

function showError(target: HTMLElement, error: unknown): void {
  target.textContent = message(error);
  target.className = 'info error';
  console.error(error);
}

const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function showMemory(): void {
  const m = tf.memory();
  el('memory').textContent = `tfjs: ${m.numTensors} tensors, ${formatBytes(m.numBytes)} on ${tf.getBackend()}`;
}

// ------------------------------------------------------------------ backend, self-test, training

async function startBackend(): Promise<string> {
  const params = new URLSearchParams(location.search);
  const select = el<HTMLSelectElement>('backend-select');
  select.value = params.get('backend') ?? 'auto';
  select.addEventListener('change', () => {
    params.set('backend', select.value);
    location.search = params.toString();
  });
  const choice = await selectBackend(backendOrder(params.get('backend')));
  const features =
    choice.name === 'wasm' ? ` (SIMD ${choice.features.simd ? 'on' : 'off'}, threads ${choice.features.threads ? 'on' : 'off'})` : '';
  const skipped = choice.skipped.map((s) => `; skipped ${s.name}: ${s.reason}`).join('');
  el('backend-name').innerHTML = `Running on <strong id="backend-active">${choice.name}</strong>${features}${skipped}`;
  setStatus('backend', choice.name);
  return choice.name;
}

async function runSelfTest(): Promise<void> {
  const out = el('selftest-result');
  try {
    const { grad, ok } = await gradientSelfTest();
    out.innerHTML = `grad of sum(x·x) at [1, 2] = <span id="selftest-value">[${grad.join(', ')}]</span> ` +
      (ok ? '<span class="ok">PASS</span> (expected [2, 4])' : '<span class="error">FAIL</span> (expected [2, 4])');
    setStatus('selftest', ok ? 'pass' : 'fail');
  } catch (error) {
    showError(out, error);
    setStatus('selftest', 'error');
  }
}

async function runTraining(): Promise<void> {
  const button = el<HTMLButtonElement>('training-run');
  const chart = el('training-chart');
  const out = el('training-result');
  button.disabled = true;
  setStatus('training', 'running');
  const losses: number[] = [];
  try {
    const result = await trainTinyLanguageModel({
      steps: 20,
      onStep: async (step, loss) => {
        losses.push(loss);
        chart.innerHTML = lossChartSvg(losses);
        out.textContent = `step ${step}: loss ${loss.toFixed(4)} nats/char`;
        await nextFrame();
      },
    });
    const trend = lossTrend(result.losses);
    out.innerHTML =
      `<span id="training-losses" data-losses="${result.losses.map((l) => l.toFixed(4)).join(',')}">` +
      `loss ${trend.first.toFixed(3)} → ${trend.last.toFixed(3)} nats/char</span> (mean of the first / last 3 of ${result.losses.length} steps), ` +
      `${result.weights.toLocaleString('en')} weights, ${result.vocabulary.length} symbols, ${result.millisecondsPerStep.toFixed(1)} ms/step ` +
      (trend.falling ? '<span class="ok">falling</span>' : '<span class="error">NOT falling</span>');
    setStatus('training', trend.falling ? 'falling' : 'fail');
  } catch (error) {
    showError(out, error);
    setStatus('training', 'error');
  } finally {
    button.disabled = false;
    showMemory();
  }
}

// ------------------------------------------------------------------ checkpoints

async function fromUrlOrFiles(source: { url: string } | { files: FileList | null }, kind: string | readonly string[]): Promise<CheckpointBytes> {
  if ('url' in source) return fetchCheckpoint(source.url, location.href, kind);
  return readCheckpointFiles(Array.from(source.files ?? []), kind);
}

let textModel: LoadedText | null = null;
let stopText = false;

async function loadText(source: { url: string } | { files: FileList | null }): Promise<void> {
  const info = el('text-info');
  info.className = 'info';
  info.textContent = 'loading…';
  setStatus('text', 'loading');
  try {
    const bytes = await fromUrlOrFiles(source, TEXT_CHECKPOINT_KIND);
    const loaded = loadTextModel(bytes);
    textModel?.model.dispose();
    textModel = loaded;
    info.textContent = `${loaded.source}: ${loaded.summary}`;
    el<HTMLButtonElement>('text-sample').disabled = false;
    setStatus('text', 'loaded');
  } catch (error) {
    showError(info, error);
    setStatus('text', 'error');
  }
  showMemory();
}

async function sampleTextIntoPage(): Promise<void> {
  if (textModel === null) return;
  const out = el('text-output');
  const info = el('text-info');
  const sampleButton = el<HTMLButtonElement>('text-sample');
  const stopButton = el<HTMLButtonElement>('text-stop');
  const prime = el<HTMLTextAreaElement>('text-prime').value;
  out.textContent = '';
  if (prime !== '') {
    const primed = document.createElement('span');
    primed.style.color = '#93c5fd';
    primed.textContent = prime;
    out.append(primed);
  }
  const generated = document.createElement('span');
  generated.id = 'text-generated';
  out.append(generated);
  stopText = false;
  sampleButton.disabled = true;
  stopButton.disabled = false;
  setStatus('text', 'sampling');
  try {
    const result = await streamText(textModel.model, {
      length: Number(el<HTMLInputElement>('text-length').value),
      temperature: Number(el<HTMLInputElement>('text-temperature').value),
      seed: Number(el<HTMLInputElement>('text-seed').value),
      prime,
      onText: (text) => {
        generated.textContent += text;
        out.scrollTop = out.scrollHeight;
      },
      shouldStop: () => stopText,
    });
    info.className = 'info';
    info.textContent = `${textModel.source}: ${textModel.summary}; sampled ${result.symbols} symbols, ${result.millisecondsPerSymbol.toFixed(2)} ms/symbol`;
    setStatus('text', 'sampled');
  } catch (error) {
    showError(info, error);
    setStatus('text', 'error');
  } finally {
    sampleButton.disabled = false;
    stopButton.disabled = true;
    showMemory();
  }
}

let hand: LoadedHand | null = null;

async function loadHand(source: { url: string } | { files: FileList | null }): Promise<void> {
  const info = el('hand-info');
  info.className = 'info';
  info.textContent = 'loading…';
  setStatus('hand', 'loading');
  try {
    const loaded = loadHandModel(await fromUrlOrFiles(source, HAND_KINDS));
    hand = loaded;
    info.textContent = `${loaded.source}: ${loaded.summary}`;
    const select = el<HTMLSelectElement>('hand-style');
    select.innerHTML = '<option value="0">none</option>';
    loaded.styles.forEach((s, i) => {
      const option = document.createElement('option');
      option.value = String(i + 1);
      option.textContent = `${i + 1}: ${s.writer} “${s.text.slice(0, 24)}”`;
      select.append(option);
    });
    el<HTMLInputElement>('hand-text').disabled = loaded.config.task !== 'synthesis';
    el<HTMLButtonElement>('hand-write').disabled = false;
    el<HTMLButtonElement>('hand-write').textContent = loaded.config.task === 'synthesis' ? 'Write' : 'Scribble';
    setStatus('hand', 'loaded');
  } catch (error) {
    showError(info, error);
    setStatus('hand', 'error');
  }
  showMemory();
}

async function writeHand(): Promise<void> {
  if (hand === null) return;
  const info = el('hand-info');
  const button = el<HTMLButtonElement>('hand-write');
  button.disabled = true;
  setStatus('hand', 'writing');
  await nextFrame();
  try {
    const result = writeSvg(hand, el<HTMLInputElement>('hand-text').value, {
      bias: Number(el<HTMLInputElement>('hand-bias').value),
      seed: Number(el<HTMLInputElement>('hand-seed').value),
      style: Number(el<HTMLSelectElement>('hand-style').value),
    });
    el('hand-output').innerHTML = result.svg;
    info.className = 'info';
    info.textContent =
      `${hand.source}: ${hand.summary}; ${result.steps} points in ${result.milliseconds.toFixed(0)} ms` +
      (result.stop !== null ? `, stopped by ${result.stop === 'window' ? 'the window stop rule' : result.stop}` : '');
    setStatus('hand', 'written');
  } catch (error) {
    showError(info, error);
    setStatus('hand', 'error');
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ wiring

function wire(): void {
  el('training-run').addEventListener('click', () => void runTraining());
  el('text-load-url').addEventListener('click', () => void loadText({ url: el<HTMLInputElement>('text-url').value }));
  el<HTMLInputElement>('text-files').addEventListener('change', (e) => void loadText({ files: (e.target as HTMLInputElement).files }));
  el('text-sample').addEventListener('click', () => void sampleTextIntoPage());
  el('text-stop').addEventListener('click', () => (stopText = true));
  el('hand-load-url').addEventListener('click', () => void loadHand({ url: el<HTMLInputElement>('hand-url').value }));
  el<HTMLInputElement>('hand-files').addEventListener('change', (e) => void loadHand({ files: (e.target as HTMLInputElement).files }));
  el('hand-write').addEventListener('click', () => void writeHand());
}

async function main(): Promise<void> {
  wire();
  try {
    await startBackend();
  } catch (error) {
    showError(el('backend-name'), error);
    setStatus('backend', 'error');
    return;
  }
  await runSelfTest();
  await runTraining();
  const params = new URLSearchParams(location.search);
  const textUrl = params.get('text');
  if (textUrl !== null) {
    el<HTMLInputElement>('text-url').value = textUrl;
    await loadText({ url: textUrl });
  }
  const handUrl = params.get('hand');
  if (handUrl !== null) {
    el<HTMLInputElement>('hand-url').value = handUrl;
    await loadHand({ url: handUrl });
  }
  document.body.dataset['ready'] = 'true';
}

void main();
