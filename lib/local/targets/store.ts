/**
 * What the stand-ins hold (last body per resource path, request counts, a recent request log,
 * the analytics bus's events) and its durability: an append-only JSON-lines journal in the data
 * folder. Every change is written to the journal with one synchronous `write(2)` before it is
 * applied and answered, so a process killed with SIGKILL loses at most the write in flight (the
 * kernel keeps what was written; no fsync is needed for that). On open the journal is replayed, a
 * torn last line is dropped, and the result is compacted into a fresh file (written aside, fsynced,
 * renamed), so the journal never grows across restarts and never ends in a partial line.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { BUS_SYSTEM_ID, isSystemId, SYSTEM_IDS, type SystemId } from './catalog.js';
import { TargetsStoreError } from './errors.js';

/** The last accepted write to one resource path. */
export interface StoredResource {
  /** The `X-Handoff-Version` it carried (a number: handoff sends timestamps as epoch ms). */
  version?: number;
  /** The JSON body as received. May hold personal data: never log it. */
  body: unknown;
  /** When it arrived (ISO-8601). */
  receivedAt: string;
  method: string;
  eventId?: string;
  contract?: string;
}

/** One request as the request log keeps it: no bodies, no credentials. */
export interface RequestRecord {
  method: string;
  /** Path under the system's prefix, without the query string. */
  path: string;
  /** Status answered; `reset` when the connection was reset (fault "down"). */
  status: number | 'reset';
  /** When it arrived (ISO-8601). */
  at: string;
  version?: number;
  eventId?: string;
  contract?: string;
  /** Analytics bus only: entries in the PutEvents request and how many failed. */
  entries?: number;
  failedEntries?: number;
}

/** Requests received, in total and by status answered ("200", "503", "reset", ...). */
export interface RequestCounts {
  total: number;
  byStatus: Record<string, number>;
}

/** An event the analytics bus accepted, in the envelope EventBridge delivers to rule targets. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** The entry's Time, or when it arrived (ISO-8601). */
  time: string;
  region: string;
  resources: string[];
  /** The entry's Detail, parsed. May hold personal data: never log it. */
  detail: unknown;
}

/** What an HTTP stand-in holds. */
export interface HttpSystemState {
  /** By resource path under the system's prefix, e.g. /api/v2/users/42. */
  resources: Record<string, StoredResource>;
  requests: RequestCounts;
}

/** What the analytics bus holds. */
export interface BusState {
  /** Accepted events, in arrival order. */
  events: BusEvent[];
  requests: RequestCounts;
}

/** What opening the journal found. */
export interface RecoveryReport {
  /** The journal file. */
  file: string;
  /** Records replayed. */
  records: number;
  /** A partial last line (a write cut short by a kill) was dropped. */
  discardedTornTail: boolean;
}

/** Options of `TargetsStore.open`. */
export interface TargetsStoreOptions {
  /**
   * Requests kept per system in the recent request log (counts are kept for all of them).
   * @default 1000
   */
  requestLogSize?: number;
  /**
   * Journal size after which it is compacted while running.
   * @default 64 MiB
   */
  compactAfterBytes?: number;
}

const FORMAT = 'handoff-example-targets';
const FORMAT_VERSION = 1;
const JOURNAL_FILE = 'targets.jsonl';
const LOCK_FILE = 'targets.lock';
const DEFAULT_REQUEST_LOG_SIZE = 1000;
const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;

/** Folders held open by this process: a second open of the same folder is refused. */
const openFolders = new Set<string>();

type JournalRecord =
  | { type: 'header'; format: string; version: number }
  | {
      type: 'request';
      system: SystemId;
      request: RequestRecord;
      resource?: { path: string } & StoredResource;
      events?: BusEvent[];
    }
  | { type: 'counts'; system: SystemId; total: number; byStatus: Record<string, number> }
  | { type: 'resource'; system: SystemId; path: string; resource: StoredResource }
  | { type: 'recent'; system: SystemId; request: RequestRecord }
  | { type: 'event'; event: BusEvent }
  | { type: 'wipe'; system: SystemId; at: string };

interface SystemData {
  resources: Map<string, StoredResource>;
  counts: RequestCounts;
  recent: RequestRecord[];
}

/** The stand-ins' state, durable in a data folder. One process may hold a folder at a time. */
export class TargetsStore {
  private readonly systems = new Map<SystemId, SystemData>();
  private readonly events: BusEvent[] = [];
  private fd: number | undefined;
  private bytes = 0;
  private readonly requestLogSize: number;
  private readonly compactAfterBytes: number;
  private readonly file: string;
  private readonly lockFile: string;

  private constructor(
    private readonly dir: string,
    options: TargetsStoreOptions,
  ) {
    this.requestLogSize = options.requestLogSize ?? DEFAULT_REQUEST_LOG_SIZE;
    this.compactAfterBytes = options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES;
    this.file = join(dir, JOURNAL_FILE);
    this.lockFile = join(dir, LOCK_FILE);
    for (const id of SYSTEM_IDS) this.systems.set(id, emptySystem());
  }

  /** Opens (creating if needed) the data folder, replays and compacts its journal. */
  static open(
    dir: string,
    options: TargetsStoreOptions = {},
  ): { store: TargetsStore; recovery: RecoveryReport } {
    const store = new TargetsStore(dir, options);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new TargetsStoreError(`cannot create the targets' data folder ${dir} (${codeOf(error)})`, {
        cause: error,
      });
    }
    store.lock();
    try {
      const recovery = store.replay();
      store.compact();
      return { store, recovery };
    } catch (error) {
      store.unlock();
      throw error;
    }
  }

  /** Records a request to an HTTP stand-in and, when it was accepted, the resource it wrote. */
  recordRequest(
    system: SystemId,
    request: RequestRecord,
    resource?: { path: string } & StoredResource,
  ): void {
    this.append({ type: 'request', system, request, ...(resource ? { resource } : {}) });
  }

  /** Records a PutEvents request and the events it put on the bus. */
  recordBusRequest(request: RequestRecord, events: BusEvent[]): void {
    this.append({ type: 'request', system: BUS_SYSTEM_ID, request, ...(events.length ? { events } : {}) });
  }

  /** Forgets everything a system holds (resources, counts, log; events for the bus). */
  wipe(system: SystemId, at: string): void {
    this.append({ type: 'wipe', system, at });
  }

  /** The resource a path holds, if any. */
  resource(system: SystemId, path: string): StoredResource | undefined {
    return this.data(system).resources.get(path);
  }

  /** A copy of an HTTP stand-in's state. */
  httpState(system: SystemId): HttpSystemState {
    const data = this.data(system);
    return {
      resources: Object.fromEntries([...data.resources].map(([path, r]) => [path, structuredClone(r)])),
      requests: { total: data.counts.total, byStatus: { ...data.counts.byStatus } },
    };
  }

  /** A copy of the analytics bus's state. */
  busState(): BusState {
    const data = this.data(BUS_SYSTEM_ID);
    return {
      events: structuredClone(this.events),
      requests: { total: data.counts.total, byStatus: { ...data.counts.byStatus } },
    };
  }

  /** The most recent requests to a system, oldest first (at most `limit`, within the log size). */
  recentRequests(system: SystemId, limit = this.requestLogSize): RequestRecord[] {
    const recent = this.data(system).recent;
    const count = Math.max(0, Math.min(limit, this.requestLogSize, recent.length));
    return recent.slice(recent.length - count).map((r) => ({ ...r }));
  }

  /** Closes the journal and releases the folder. Idempotent. */
  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.unlock();
    }
  }

  private data(system: SystemId): SystemData {
    let data = this.systems.get(system);
    if (!data) {
      data = emptySystem();
      this.systems.set(system, data);
    }
    return data;
  }

  /** Writes a record, then applies it: what is answered is always on its way to disk. */
  private append(record: JournalRecord): void {
    if (this.fd === undefined) throw new TargetsStoreError('the example targets are closed');
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    try {
      writeAll(this.fd, line);
    } catch (error) {
      throw new TargetsStoreError(`cannot append to ${this.file} (${codeOf(error)})`, { cause: error });
    }
    this.bytes += line.length;
    this.apply(record);
    if (this.bytes > this.compactAfterBytes) this.compact();
  }

  private apply(record: JournalRecord): void {
    switch (record.type) {
      case 'header':
        return;
      case 'request': {
        const data = this.data(record.system);
        count(data.counts, record.request.status, 1);
        this.remember(data, record.request);
        if (record.resource) {
          const { path, ...resource } = record.resource;
          data.resources.set(path, resource);
        }
        if (record.events) this.events.push(...record.events);
        return;
      }
      case 'counts': {
        const data = this.data(record.system);
        data.counts.total += record.total;
        for (const [status, n] of Object.entries(record.byStatus)) count(data.counts, status, n, false);
        return;
      }
      case 'resource':
        this.data(record.system).resources.set(record.path, record.resource);
        return;
      case 'recent':
        this.remember(this.data(record.system), record.request);
        return;
      case 'event':
        this.events.push(record.event);
        return;
      case 'wipe':
        this.systems.set(record.system, emptySystem());
        if (record.system === BUS_SYSTEM_ID) this.events.length = 0;
        return;
    }
  }

  private remember(data: SystemData, request: RequestRecord): void {
    data.recent.push(request);
    // Trim in batches, so the log costs O(1) per request on average.
    if (data.recent.length > this.requestLogSize * 2)
      data.recent.splice(0, data.recent.length - this.requestLogSize);
  }

  private replay(): RecoveryReport {
    const report: RecoveryReport = { file: this.file, records: 0, discardedTornTail: false };
    if (!existsSync(this.file)) return report;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      throw new TargetsStoreError(`cannot read ${this.file} (${codeOf(error)})`, { cause: error });
    }
    const lines = text.split('\n');
    // The text after the last newline is a write cut short (or nothing).
    if ((lines.pop() ?? '') !== '') report.discardedTornTail = true;
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      const record = parseRecord(line);
      if (typeof record === 'string') {
        // A bad final line can only be a torn write; anywhere else the file was damaged.
        if (index === lines.length - 1) {
          report.discardedTornTail = true;
          break;
        }
        throw new TargetsStoreError(
          `${this.file} line ${index + 1} is damaged (${record}); move the file aside to start with empty targets`,
        );
      }
      if (record.type === 'header' && (record.format !== FORMAT || record.version !== FORMAT_VERSION))
        throw new TargetsStoreError(
          `${this.file} is not a journal this version can read (format ${record.format} version ${record.version}; expected ${FORMAT} version ${FORMAT_VERSION})`,
        );
      this.apply(record);
      report.records += 1;
    }
    return report;
  }

  /** Rewrites the journal as a snapshot of the current state: aside, fsynced, then renamed over. */
  private compact(): void {
    const temp = `${this.file}.compacting`;
    let fd: number | undefined;
    try {
      fd = openSync(temp, 'w', 0o600);
      const header: JournalRecord = { type: 'header', format: FORMAT, version: FORMAT_VERSION };
      let chunk = `${JSON.stringify(header)}\n`;
      let written = 0;
      const emit = (record: JournalRecord) => {
        chunk += `${JSON.stringify(record)}\n`;
        if (chunk.length > 1 << 20) flush();
      };
      const flush = () => {
        const buffer = Buffer.from(chunk, 'utf8');
        writeAll(fd as number, buffer);
        written += buffer.length;
        chunk = '';
      };
      for (const [system, data] of this.systems) {
        const recent = data.recent.slice(-this.requestLogSize);
        // Counts exclude the recent requests, which are replayed as counted request records.
        const baseline: RequestCounts = { total: data.counts.total, byStatus: { ...data.counts.byStatus } };
        for (const request of recent) count(baseline, request.status, -1);
        if (baseline.total > 0) emit({ type: 'counts', system, ...baseline });
        for (const [path, resource] of data.resources) emit({ type: 'resource', system, path, resource });
        for (const request of recent) emit({ type: 'request', system, request });
      }
      for (const event of this.events) emit({ type: 'event', event });
      flush();
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      if (this.fd !== undefined) {
        closeSync(this.fd);
        this.fd = undefined;
      }
      renameSync(temp, this.file);
      syncFolder(this.dir);
      this.fd = openSync(this.file, 'a', 0o600);
      this.bytes = written;
    } catch (error) {
      if (fd !== undefined) closeSync(fd);
      // Keep appending to the old journal if the snapshot could not replace it.
      if (this.fd === undefined && existsSync(this.file)) this.fd = openSync(this.file, 'a', 0o600);
      if (this.fd === undefined)
        throw new TargetsStoreError(`cannot write the journal ${this.file} (${codeOf(error)})`, {
          cause: error,
        });
      this.bytes = statSync(this.file).size;
    }
  }

  private lock(): void {
    if (openFolders.has(this.dir))
      throw new TargetsStoreError(`the targets' data folder ${this.dir} is already open in this process`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(this.lockFile, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        openFolders.add(this.dir);
        return;
      } catch (error) {
        if (codeOf(error) !== 'EEXIST')
          throw new TargetsStoreError(`cannot lock the targets' data folder ${this.dir} (${codeOf(error)})`, {
            cause: error,
          });
        const holder = Number.parseInt(safeRead(this.lockFile), 10);
        if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder))
          throw new TargetsStoreError(
            `the targets' data folder ${this.dir} is in use by process ${holder}; stop it, or delete ${this.lockFile} if that process is not handoff`,
          );
        // The holder is gone (killed, e.g. kill -9): the lock is stale.
        try {
          unlinkSync(this.lockFile);
        } catch {
          // another process may have removed it first; the next attempt decides
        }
      }
    }
    throw new TargetsStoreError(
      `cannot lock the targets' data folder ${this.dir}: another process keeps taking it`,
    );
  }

  private unlock(): void {
    openFolders.delete(this.dir);
    try {
      if (safeRead(this.lockFile) === String(process.pid)) unlinkSync(this.lockFile);
    } catch {
      // already gone
    }
  }
}

function emptySystem(): SystemData {
  return { resources: new Map(), counts: { total: 0, byStatus: {} }, recent: [] };
}

function count(counts: RequestCounts, status: number | string, n: number, total = true): void {
  const key = String(status);
  if (total) counts.total += n;
  const next = (counts.byStatus[key] ?? 0) + n;
  if (next === 0) delete counts.byStatus[key];
  else counts.byStatus[key] = next;
}

/** A journal record, or why the line is not one. */
function parseRecord(line: string): JournalRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  const system = record.system;
  const systemOk = typeof system === 'string' && isSystemId(system);
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  switch (record.type) {
    case 'header':
      return typeof record.format === 'string' && typeof record.version === 'number'
        ? (record as JournalRecord)
        : 'header without format or version';
    case 'request':
    case 'recent':
      return systemOk && isObject(record.request) ? (record as JournalRecord) : `bad ${record.type} record`;
    case 'counts':
      return systemOk && typeof record.total === 'number' && isObject(record.byStatus)
        ? (record as JournalRecord)
        : 'bad counts record';
    case 'resource':
      return systemOk && typeof record.path === 'string' && isObject(record.resource)
        ? (record as JournalRecord)
        : 'bad resource record';
    case 'event':
      return isObject(record.event) ? (record as JournalRecord) : 'bad event record';
    case 'wipe':
      return systemOk ? (record as JournalRecord) : 'bad wipe record';
    default:
      return `unknown record type ${JSON.stringify(String(record.type)).slice(0, 40)}`;
  }
}

function writeAll(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Makes a rename durable (best effort: some file systems refuse to fsync a folder). */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here; the rename is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === 'EPERM';
  }
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
}
