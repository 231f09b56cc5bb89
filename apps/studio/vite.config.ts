import { createReadStream, statSync } from 'node:fs';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';

const runsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'runs');

/**
 * Serves the repository's `runs/` folder (where `seqgen … train` writes checkpoints) at `/runs/` in `vite` and
 * `vite preview`, read-only, so `?text=/runs/<name>/best/` loads a checkpoint with no copying. Not in the build.
 */
function serveRuns(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith('/runs/') || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const file = normalize(join(runsDir, decodeURIComponent(url.pathname.slice('/runs/'.length))));
    const notFound = (): void => {
      res.statusCode = 404;
      res.end(`not found in runs/: ${url.pathname}`);
    };
    if (!file.startsWith(runsDir + sep)) return notFound();
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return notFound();
      size = stat.size;
    } catch {
      return notFound();
    }
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
  return {
    name: 'seqgen-serve-runs',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

// `@seqgen/source` first: the studio bundles the libraries' TypeScript sources, so it needs no library build.
// One tfjs-core copy (STYLE §1): the engine and its kernel/gradient registries are globals keyed by that copy.
export default defineConfig({
  plugins: [serveRuns()],
  resolve: {
    conditions: ['@seqgen/source', 'module', 'browser', 'development|production'],
    dedupe: ['@tensorflow/tfjs-core'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, sourcemap: false },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
