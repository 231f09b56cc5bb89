/**
 * A progress bar with rate, ETA and free-form fields (loss, BPC). On a TTY it redraws one
 * line; elsewhere (CI, pipes) it prints a plain line at most every `plainIntervalMs`.
 * With `silent` (for --json runs) it prints nothing.
 */
export interface ProgressOptions {
  label: string;
  total: number;
  /** Unit of the rate, e.g. 'chars', 'lines', 'steps'. */
  unit: string;
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  silent?: boolean;
  plainIntervalMs?: number;
  /** Units per tick, for the rate (e.g. characters per step). Default 1. */
  unitsPerTick?: number;
  /** Ticks already done before this session (a resumed run): counted as done, left out of the rate and ETA. */
  initial?: number;
  /** Seconds after which the work stops anyway (a time limit): the ETA never goes past it. */
  maxSeconds?: number;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(1)}k`;
  if (perSecond >= 100) return perSecond.toFixed(0);
  return perSecond.toFixed(2);
}

export class Progress {
  private done: number;
  private readonly initial: number;
  private readonly start: number;
  private lastPrint = -Infinity;
  private fields: Record<string, string> = {};
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    this.initial = options.initial ?? 0;
    this.done = this.initial;
  }

  /** Advances by `n` ticks and sets display fields, e.g. `{ loss: '1.23', bpc: '1.77' }`. */
  tick(n = 1, fields?: Record<string, string | number>): void {
    this.done += n;
    if (fields) this.set(fields);
    this.render(false);
  }

  set(fields: Record<string, string | number>): void {
    for (const [k, v] of Object.entries(fields)) this.fields[k] = typeof v === 'number' ? formatNumber(v) : v;
  }

  /** Prints a message above the bar without breaking it. */
  log(message: string): void {
    if (this.options.silent) return;
    const { stream } = this.options;
    if (stream.isTTY) stream.write(`\r\x1b[K${message}\n`);
    else stream.write(`${message}\n`);
    this.render(true);
  }

  finish(fields?: Record<string, string | number>): void {
    if (this.closed) return;
    if (fields) this.set(fields);
    this.render(true);
    if (!this.options.silent && this.options.stream.isTTY) this.options.stream.write('\n');
    this.closed = true;
  }

  /** Seconds since start. */
  elapsed(): number {
    return (this.now() - this.start) / 1000;
  }

  line(): string {
    const { total, unit, label } = this.options;
    const elapsed = this.elapsed();
    const session = this.done - this.initial;
    const rate = elapsed > 0 ? (session * (this.options.unitsPerTick ?? 1)) / elapsed : NaN;
    const fraction = total > 0 ? Math.min(1, this.done / total) : 0;
    let eta = session > 0 ? (elapsed / session) * Math.max(0, total - this.done) : NaN;
    const { maxSeconds } = this.options;
    if (maxSeconds !== undefined && Number.isFinite(maxSeconds)) eta = Math.min(Number.isNaN(eta) ? Infinity : eta, Math.max(0, maxSeconds - elapsed));
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const extra = Object.entries(this.fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ');
    return `${label} [${bar}] ${this.done}/${total} ${(fraction * 100).toFixed(0)}%  ${formatRate(rate)} ${unit}/s  elapsed ${formatDuration(elapsed)}  eta ${formatDuration(eta)}${extra ? `  ${extra}` : ''}`;
  }

  private render(force: boolean): void {
    if (this.options.silent || this.closed) return;
    const t = this.now();
    const { stream } = this.options;
    if (stream.isTTY) {
      if (!force && t - this.lastPrint < 100) return;
      const cols = stream.columns ?? 120;
      stream.write(`\r\x1b[K${this.line().slice(0, cols - 1)}`);
    } else {
      if (!force && t - this.lastPrint < (this.options.plainIntervalMs ?? 10_000)) return;
      stream.write(`${this.line()}\n`);
    }
    this.lastPrint = t;
  }
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? 1 : 3);
}
