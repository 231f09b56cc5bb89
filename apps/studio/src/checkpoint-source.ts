/**
 * Where a checkpoint's files live (pure helpers, no I/O) and how to fetch or read them in the browser.
 * A seqgen checkpoint is `model.json` + the weight files its manifest names (`weights.bin`), written by
 * the CLI and decoded by `@seqgen/core`'s `decodeCheckpoint` (docs/checkpoints.md).
 */
import { CHECKPOINT_MODEL_FILE, CheckpointError, readCheckpointHeader, type CheckpointJson } from '@seqgen/core';

/** A checkpoint as bytes, before decoding: the parsed `model.json`, the concatenated weights and where they came from. */
export interface CheckpointBytes {
  json: CheckpointJson;
  weightData: Uint8Array;
  /** The URL or file names, for error messages. */
  source: string;
}

/**
 * The `model.json` URL for what a user typed: a checkpoint directory (`runs/x/best`, `runs/x/best/`) or the
 * `model.json` (any `.json`) itself, relative to `base` (the page URL).
 * @throws {@link CheckpointError} for an empty input or one that is not a URL.
 */
export function modelJsonUrl(input: string, base: string): string {
  const trimmed = input.trim();
  if (trimmed === '') throw new CheckpointError('checkpoint URL is empty: expected a checkpoint directory or its model.json');
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch (error) {
    throw new CheckpointError(`checkpoint URL ${JSON.stringify(trimmed)} is not a valid URL`, { cause: error });
  }
  if (!url.pathname.endsWith('.json')) {
    url.pathname = url.pathname.endsWith('/') ? `${url.pathname}${CHECKPOINT_MODEL_FILE}` : `${url.pathname}/${CHECKPOINT_MODEL_FILE}`;
  }
  return url.href;
}

/**
 * The weight file URLs of a checkpoint, in manifest order, resolved against its `model.json` URL.
 * Manifest paths are plain file names (checked by `readCheckpointHeader`).
 */
export function weightUrls(json: CheckpointJson, modelUrl: string): string[] {
  return json.weightsManifest.flatMap((group) => group.paths).map((path) => new URL(path, modelUrl).href);
}

/** Concatenates byte arrays in order (the manifest's weight files form one buffer). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A file picked by the user (the DOM `File` has this shape; tests pass plain objects). */
export interface NamedBlob {
  readonly name: string;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Picks `model.json` and the weight files named in its manifest out of a multi-file selection.
 * @returns the model file (the one named `model.json`, else the only `.json`) and the weight files in manifest order.
 * @throws {@link CheckpointError} naming what is missing and what was selected.
 */
export function pickCheckpointFiles<F extends { readonly name: string }>(
  files: readonly F[],
): { model: F; pick(json: CheckpointJson): F[] } {
  const names = files.map((f) => f.name).join(', ') || 'nothing';
  const jsons = files.filter((f) => f.name.endsWith('.json'));
  const model = jsons.find((f) => f.name === CHECKPOINT_MODEL_FILE) ?? (jsons.length === 1 ? jsons[0] : undefined);
  if (model === undefined) {
    throw new CheckpointError(`selected files (${names}): expected one ${CHECKPOINT_MODEL_FILE} and its weight files (weights.bin)`);
  }
  return {
    model,
    pick(json) {
      return json.weightsManifest
        .flatMap((group) => group.paths)
        .map((path) => {
          const file = files.find((f) => f.name === path);
          if (file === undefined) throw new CheckpointError(`selected files (${names}): ${model.name} needs ${path}, which was not selected`);
          return file;
        });
    },
  };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CheckpointError(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

async function fetchOk(url: string, fetcher: typeof fetch): Promise<Response> {
  let response: Response;
  try {
    response = await fetcher(url);
  } catch (error) {
    throw new CheckpointError(`${url}: could not be fetched (${(error as Error).message})`, { cause: error });
  }
  if (!response.ok) throw new CheckpointError(`${url}: HTTP ${response.status} ${response.statusText}; expected a seqgen checkpoint file`);
  return response;
}

/**
 * Fetches a checkpoint over HTTP: `model.json`, then its weight files.
 * @param input - A checkpoint directory or `model.json` URL (see {@link modelJsonUrl}).
 * @param kind - Accepted `kind`(s), checked before the weights are downloaded.
 * @throws {@link CheckpointError} naming the URL and the problem.
 */
export async function fetchCheckpoint(
  input: string,
  base: string,
  kind: string | readonly string[],
  fetcher: typeof fetch = fetch,
): Promise<CheckpointBytes> {
  const modelUrl = modelJsonUrl(input, base);
  const raw = parseJson(await (await fetchOk(modelUrl, fetcher)).text(), modelUrl);
  const json = readCheckpointHeader(raw, { kind, source: modelUrl });
  const parts = await Promise.all(
    weightUrls(json, modelUrl).map(async (url) => new Uint8Array(await (await fetchOk(url, fetcher)).arrayBuffer())),
  );
  return { json, weightData: concatBytes(parts), source: modelUrl };
}

/**
 * Reads a checkpoint from files the user picked (`model.json` + `weights.bin`).
 * @throws {@link CheckpointError} naming the files and the problem.
 */
export async function readCheckpointFiles(files: readonly NamedBlob[], kind: string | readonly string[]): Promise<CheckpointBytes> {
  const { model, pick } = pickCheckpointFiles(files);
  const json = readCheckpointHeader(parseJson(await model.text(), model.name), { kind, source: model.name });
  const weights = pick(json);
  const parts = await Promise.all(weights.map(async (f) => new Uint8Array(await f.arrayBuffer())));
  return { json, weightData: concatBytes(parts), source: [model.name, ...weights.map((f) => f.name)].join(' + ') };
}
