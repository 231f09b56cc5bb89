#!/usr/bin/env node
/**
 * Smoke test of the PRODUCTION bundle in a real browser (not part of `pnpm test`: CI has no Chromium).
 * vite build → fixture checkpoints → vite preview on 127.0.0.1 → Debian Chromium (headless, via puppeteer-core)
 * → asserts: the backend is named, the gradient self-test prints [2, 4], the training loss falls, a text-lm
 * checkpoint loads and samples, a handwriting checkpoint writes SVG; then the same page on ?backend=cpu;
 * screenshot → docs/img/studio.png.
 * Options: --no-build (reuse dist/); --dev (the dev server instead: backend, self-test and training only);
 * CHROMIUM=/path/to/chromium.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(root, '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shot = join(repo, 'docs', 'img', 'studio.png');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function bundleSize() {
  const dir = join(root, 'dist', 'assets');
  const files = readdirSync(dir).map((f) => ({ f, bytes: statSync(join(dir, f)).size }));
  const sum = (pred) => files.filter(({ f }) => pred(f)).reduce((a, b) => a + b.bytes, 0);
  return { js: sum((f) => f.endsWith('.js')), wasm: sum((f) => f.endsWith('.wasm')), css: sum((f) => f.endsWith('.css')), files };
}

const kb = (b) => `${(b / 1024).toFixed(1)} kB`;
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

if (!existsSync(executablePath)) {
  console.error(`smoke: no Chromium at ${executablePath} (apt-get install -y chromium, or set CHROMIUM=)`);
  process.exit(2);
}
const dev = process.argv.includes('--dev');
if (!dev && !process.argv.includes('--no-build')) run(bin('vite'), ['build']);
if (!dev) run(bin('tsx'), ['--conditions=@seqgen/source', 'scripts/make-fixtures.ts']);

async function checkpointsAndScreenshot(page) {
  const state = await page.evaluate(() => ({
    text: document.getElementById('text')?.dataset.status,
    textInfo: document.getElementById('text-info')?.textContent,
    hand: document.getElementById('hand')?.dataset.status,
    handInfo: document.getElementById('hand-info')?.textContent,
  }));
  check(state.text === 'loaded', `text checkpoint loaded: ${state.textInfo}`);
  check(state.hand === 'loaded', `handwriting checkpoint loaded: ${state.handInfo}`);

  // Text: prime, sample, stream.
  await page.$eval('#text-prime', (e) => (e.value = 'The approach '));
  await page.$eval('#text-length', (e) => (e.value = '160'));
  await page.$eval('#text-temperature', (e) => (e.value = '0.5'));
  await page.click('#text-sample');
  await page.waitForSelector('#text[data-status="sampled"], #text[data-status="error"]', { timeout: 120_000 });
  const sampled = await page.evaluate(() => ({
    status: document.getElementById('text')?.dataset.status,
    text: document.getElementById('text-generated')?.textContent ?? '',
    info: document.getElementById('text-info')?.textContent,
  }));
  console.log(`text: ${sampled.info}`);
  console.log(`sample (prime "The approach ", T = 0.5): ${JSON.stringify(sampled.text)}`);
  check(sampled.status === 'sampled' && sampled.text.length >= 150, `sampled ${sampled.text.length} characters`);

  // Handwriting: write a word.
  await page.$eval('#hand-text', (e) => (e.value = 'hello world'));
  await page.click('#hand-write');
  await page.waitForSelector('#hand[data-status="written"], #hand[data-status="error"]', { timeout: 120_000 });
  const written = await page.evaluate(() => ({
    status: document.getElementById('hand')?.dataset.status,
    info: document.getElementById('hand-info')?.textContent,
    paths: document.querySelectorAll('#hand-output svg path').length,
  }));
  console.log(`hand: ${written.info}`);
  check(written.status === 'written' && written.paths > 0, `handwriting SVG has ${written.paths} paths`);

  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
}

const port = await freePort();
const preview = spawn(bin('vite'), [...(dev ? [] : ['preview']), '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error('vite did not start within 60 s')), 30_000);
  preview.stdout.on('data', (d) => {
    if (String(d).includes(String(port))) {
      clearTimeout(timer);
      ok();
    }
  });
  preview.on('exit', (code) => fail(new Error(`vite preview exited with ${code}`)));
});
const base = `http://127.0.0.1:${port}/`;
console.log(`${dev ? 'dev server' : 'preview'}: ${base}`);

const browser = await puppeteer.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  console.log(`browser: ${await browser.version()}`);
  const page = await browser.newPage();
  await page.setViewport({ width: 1000, height: 900 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  const started = Date.now();
  await page.goto(dev ? base : `${base}?text=fixtures/text-tiny/&hand=fixtures/hand/`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
  const state = await page.evaluate(() => ({
    backend: document.getElementById('backend')?.dataset.status,
    backendText: document.getElementById('backend-name')?.textContent,
    selftest: document.getElementById('selftest')?.dataset.status,
    grad: document.getElementById('selftest-value')?.textContent,
    training: document.getElementById('training')?.dataset.status,
    losses: document.getElementById('training-losses')?.dataset.losses,
    trainingText: document.getElementById('training-result')?.textContent,
  }));
  console.log(`page ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`backend: ${state.backendText}`);
  check(state.backend === 'wasm', `backend is wasm (got ${state.backend})`);
  check(state.selftest === 'pass' && state.grad === '[2, 4]', `self-test grad of sum(x*x) at [1, 2] = ${state.grad}`);
  const losses = (state.losses ?? '').split(',').map(Number);
  console.log(`training: ${state.trainingText}`);
  console.log(`losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  check(state.training === 'falling' && losses.length === 20 && losses[19] < 0.9 * losses[0], 'training loss falls over 20 steps');
  if (!dev) await checkpointsAndScreenshot(page);
  check(errors.length === 0, `no page errors${errors.length ? `: ${errors.join(' | ')}` : ''}`);

  // The cpu fallback, forced.
  const cpuPage = await browser.newPage();
  await cpuPage.goto(`${base}?backend=cpu`, { waitUntil: 'load' });
  await cpuPage.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
  const cpu = await cpuPage.evaluate(() => ({
    backend: document.getElementById('backend')?.dataset.status,
    grad: document.getElementById('selftest-value')?.textContent,
    training: document.getElementById('training')?.dataset.status,
    trainingText: document.getElementById('training-result')?.textContent,
  }));
  console.log(`cpu training: ${cpu.trainingText}`);
  check(cpu.backend === 'cpu' && cpu.grad === '[2, 4]' && cpu.training === 'falling', `?backend=cpu: self-test ${cpu.grad}, training ${cpu.training}`);
} finally {
  await browser.close();
  preview.kill();
}

if (!dev) {
  const size = bundleSize();
  console.log(`bundle: ${kb(size.js)} JS, ${kb(size.wasm)} wasm (3 variants, one is fetched), ${kb(size.css)} CSS`);
  for (const { f, bytes } of size.files) console.log(`  dist/assets/${f}  ${kb(bytes)}`);
}
if (failures.length > 0) {
  console.error(`smoke: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('smoke: all checks passed');
