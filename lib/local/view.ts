/**
 * The live view: a compact table of each contract (events matched, synced, retrying, dead
 * letters, health) refreshed in place on a terminal; on anything else (CI logs, pipes) a plain
 * line whenever the figures change.
 */
import type { LocalEndpoints } from './endpoints.js';
import type { LayerStats } from './stats.js';

const HEALTH_MARK: Record<string, string> = {
  ok: '✓ ok',
  retrying: '↻ retrying',
  degraded: '▲ degraded',
  stale: '◷ stale',
  failing: '✗ failing',
};

/** Renders the table (no colour codes, so it reads the same in a file). */
export function renderView(stats: LayerStats, endpoints: LocalEndpoints): string {
  const rows = stats.contracts.map((c) => [
    c.id,
    c.tier,
    String(c.matched),
    String(c.synced),
    String(c.skipped),
    String(c.retrying),
    String(c.permanent + c.config),
    HEALTH_MARK[c.health] ?? c.health,
  ]);
  const header = ['contract', 'tier', 'matched', 'synced', 'skipped', 'retrying', 'rejected', 'health'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 2 || i === 7 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const queues = stats.queues
    .map((q) => `${q.tier} ${q.visible}${q.oldestAgeSeconds > 0 ? ` (oldest ${q.oldestAgeSeconds}s)` : ''}`)
    .join(' · ');
  return [
    `handoff local · events ${endpoints.events} · status ${endpoints.statusApi} · time ×${endpoints.timeScale}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `dead letters: ${queues}   pending: ${stats.pending}   alarms: ${stats.alarms.length === 0 ? 'none' : stats.alarms.join(', ')}`,
    'Ctrl-C stops (state is kept in the data folder).',
  ].join('\n');
}

/** A one-line summary for non-terminals. */
export function summaryLine(stats: LayerStats): string {
  const total = (f: (c: LayerStats['contracts'][number]) => number) =>
    stats.contracts.reduce((n, c) => n + f(c), 0);
  const unhealthy = stats.contracts.filter((c) => c.health !== 'ok').map((c) => `${c.id}=${c.health}`);
  return `[${stats.at}] matched ${total((c) => c.matched)} synced ${total((c) => c.synced)} skipped ${total((c) => c.skipped)} retrying ${total((c) => c.retrying)} rejected ${total((c) => c.permanent + c.config)} dead-letters ${stats.queues.reduce((n, q) => n + q.visible, 0)} pending ${stats.pending}${unhealthy.length ? ` unhealthy ${unhealthy.join(' ')}` : ''}`;
}

/** Draws the view on a stream: in place on a TTY, changed lines otherwise. Returns a stop function. */
export function startView(
  stream: NodeJS.WriteStream,
  read: () => LayerStats,
  endpoints: LocalEndpoints,
  intervalMs = 1000,
): () => void {
  let lastLines = 0;
  let lastSummary = '';
  const draw = () => {
    const stats = read();
    if (stream.isTTY) {
      const text = renderView(stats, endpoints);
      const up = lastLines > 0 ? `\x1b[${lastLines}F\x1b[J` : '';
      stream.write(`${up}${text}\n`);
      lastLines = text.split('\n').length;
    } else {
      const summary = summaryLine(stats);
      const comparable = summary.replace(/^\[[^\]]*\] /, '');
      if (comparable !== lastSummary) stream.write(`${summary}\n`);
      lastSummary = comparable;
    }
  };
  draw();
  const timer = setInterval(draw, intervalMs);
  return () => {
    clearInterval(timer);
    draw();
  };
}
