/**
 * Log files of the local layer: one JSON-lines file per function under `<data>/logs/`, plus the
 * layer's own. The terminal shows the live view; the logs are where an operator looks next, as in
 * CloudWatch Logs.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export class LogFiles {
  private readonly streams = new Map<string, WriteStream>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** A sink writing lines to `<name>.log`. */
  sink(name: string): (line: string) => void {
    return (line) => this.stream(name).write(`${line}\n`);
  }

  /** Writes one JSON line to the layer's own log. */
  layer(level: 'info' | 'warn' | 'error', message: string, extra: Record<string, unknown> = {}): void {
    this.stream('layer').write(
      `${JSON.stringify({ level: level.toUpperCase(), message, timestamp: new Date().toISOString(), ...extra })}\n`,
    );
  }

  path(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
    );
    this.streams.clear();
  }

  private stream(name: string): WriteStream {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = createWriteStream(this.path(name), { flags: 'a' });
      this.streams.set(name, stream);
    }
    return stream;
  }
}
