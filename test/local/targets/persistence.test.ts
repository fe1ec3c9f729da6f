import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { startExampleTargets, TargetsStoreError } from '../../../lib/local/targets/index.js';
import { busClient, CREDENTIALS, putUser, rejection, startTestTargets, tempDir } from './helpers.js';

const dirs: string[] = [];
const folder = () => {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const journal = (dir: string) => join(dir, 'targets.jsonl');

describe('restarts', () => {
  it('keeps resources, request counts, the request log and bus events across a restart', async () => {
    // Prepare
    const dir = folder();
    const first = await startTestTargets({ dir });
    await putUser(first.targets, '42', 1, { crmVersion: 1 });
    await putUser(first.targets, '42', 2, { crmVersion: 2 });
    await fetch(`${first.targets.systems.helpdesk}/api/v2/users/43`, { method: 'PUT', body: '{}' }); // 401
    const client = busClient(first.targets);
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: first.targets.analyticsBusArn,
            Source: 'handoff.csat',
            DetailType: 'CSAT Recorded',
            Detail: '{"ticketId":9001,"score":5}',
          },
        ],
      }),
    );
    client.destroy();
    const before = { helpdesk: first.targets.state('helpdesk'), analytics: first.targets.state('analytics') };
    const log = first.targets.requests('helpdesk');
    await first.stop();

    // Act
    const second = await startTestTargets({ dir });

    // Assess
    expect(second.targets.state('helpdesk')).toEqual(before.helpdesk);
    expect(second.targets.state('helpdesk').resources['/api/v2/users/42']).toMatchObject({
      version: 2,
      body: { crmVersion: 2 },
    });
    expect(second.targets.state('helpdesk').requests).toEqual({
      total: 3,
      byStatus: { '200': 1, '201': 1, '401': 1 },
    });
    expect(second.targets.state('analytics')).toEqual(before.analytics);
    expect(second.targets.requests('helpdesk')).toEqual(log);
    expect(second.targets.recovery).toMatchObject({ discardedTornTail: false });
    await second.stop();
  });

  it('drops a torn last line, keeps everything before it, and appends cleanly afterwards', async () => {
    // Prepare
    const dir = folder();
    const first = await startTestTargets({ dir });
    await putUser(first.targets, '1', 1, { n: 1 });
    await putUser(first.targets, '2', 1, { n: 2 });
    await first.stop();
    // A write cut short by kill -9: half a record, no newline.
    appendFileSync(journal(dir), '{"type":"request","system":"helpdesk","request":{"method":"PUT","pa');

    // Act
    const second = await startTestTargets({ dir });
    await putUser(second.targets, '3', 1, { n: 3 });
    await second.stop();
    const third = await startTestTargets({ dir });

    // Assess
    expect(second.targets.recovery.discardedTornTail).toBe(true);
    expect(Object.keys(third.targets.state('helpdesk').resources).sort()).toEqual([
      '/api/v2/users/1',
      '/api/v2/users/2',
      '/api/v2/users/3',
    ]);
    expect(third.targets.recovery.discardedTornTail).toBe(false);
    for (const line of readFileSync(journal(dir), 'utf8').trimEnd().split('\n'))
      expect(() => JSON.parse(line)).not.toThrow();
    await third.stop();
  });

  it('refuses to start on a journal damaged in the middle, naming the file and line', async () => {
    // Prepare
    const dir = folder();
    writeFileSync(
      journal(dir),
      [
        '{"type":"header","format":"handoff-example-targets","version":1}',
        'garbage',
        '{"type":"wipe","system":"crm","at":"2026-11-30T00:00:00Z"}',
        '',
      ].join('\n'),
    );

    // Act
    const error = await rejection(startExampleTargets({ dataDir: dir, credentials: CREDENTIALS }));

    // Assess
    expect(error).toBeInstanceOf(TargetsStoreError);
    expect(error.message).toContain(`${journal(dir)} line 2 is damaged (not JSON)`);
    expect(readFileSync(journal(dir), 'utf8')).toContain('garbage'); // left as it was, for inspection
  });

  it('refuses a journal of another format version', async () => {
    // Prepare
    const dir = folder();
    writeFileSync(journal(dir), '{"type":"header","format":"handoff-example-targets","version":99}\n');

    // Act
    const error = await rejection(startExampleTargets({ dataDir: dir, credentials: CREDENTIALS }));

    // Assess
    expect(error.message).toContain('version 99');
  });

  it('refuses a second instance on the same folder while the first runs', async () => {
    // Prepare
    const dir = folder();
    const first = await startTestTargets({ dir });

    // Act
    const error = await rejection(startExampleTargets({ dataDir: dir, credentials: CREDENTIALS }));

    // Assess
    expect(error).toBeInstanceOf(TargetsStoreError);
    expect(error.message).toContain('already open');
    await first.stop();
  });

  it('compacts the journal while running once it passes the threshold, without losing state', async () => {
    // Prepare
    const dir = folder();
    const first = await startTestTargets({ dir, compactAfterBytes: 4096, requestLogSize: 5 });

    // Act
    for (let version = 1; version <= 60; version += 1)
      await putUser(first.targets, '42', version, { version });
    const size = statSync(journal(dir)).size;
    await first.stop();
    const second = await startTestTargets({ dir, requestLogSize: 5 });

    // Assess
    expect(size).toBeLessThan(4096 + 1024);
    expect(second.targets.state('helpdesk').resources['/api/v2/users/42']).toMatchObject({
      version: 60,
      body: { version: 60 },
    });
    expect(second.targets.state('helpdesk').requests).toEqual({
      total: 60,
      byStatus: { '200': 59, '201': 1 },
    });
    expect(second.targets.requests('helpdesk').map((r) => r.version)).toEqual([56, 57, 58, 59, 60]);
    await second.stop();
  });

  it('reports an unusable data folder clearly', async () => {
    // Prepare
    const dir = folder();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');

    // Act
    const error = await rejection(
      startExampleTargets({ dataDir: join(file, 'targets'), credentials: CREDENTIALS }),
    );

    // Assess
    expect(error).toBeInstanceOf(TargetsStoreError);
    expect(error.message).toContain("cannot create the targets' data folder");
  });
});

describe('kill -9', () => {
  it('keeps every answered write of a process killed with SIGKILL, and takes over its stale lock', async () => {
    // Prepare
    const dir = folder();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'child-targets.ts'), dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const started = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] ?? ''));
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const put = (id: string, version: number) =>
      fetch(`${started.url}/helpdesk/api/v2/users/${id}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${CREDENTIALS.helpdeskToken}`,
          'content-type': 'application/json',
          'x-handoff-version': String(version),
        },
        body: JSON.stringify({ version }),
      });
    const answered: Record<string, number> = {};
    for (let version = 1; version <= 20; version += 1)
      for (const id of ['1', '2', '3']) if ((await put(id, version)).status < 300) answered[id] = version;
    const whileAlive = await rejection(startExampleTargets({ dataDir: dir, credentials: CREDENTIALS }));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Then a storm of concurrent writes to one entity, killed in the middle of it.
    const storm: Array<Promise<void>> = [];
    let stormAnswered = 0;
    let newestAnswered = 0;
    let killed: () => void = () => undefined;
    const killNow = new Promise<void>((resolve) => {
      killed = resolve;
    });
    for (let version = 21; version <= 220; version += 1)
      storm.push(
        put('4', version).then(
          (response) => {
            if (response.status < 300) newestAnswered = Math.max(newestAnswered, version);
            stormAnswered += 1;
            if (stormAnswered === 20) killed();
          },
          () => undefined, // cut off by the kill
        ),
      );

    // Act
    await killNow;
    child.kill('SIGKILL');
    await exited;
    await Promise.all(storm);
    const after = await startTestTargets({ dir });

    // Assess
    expect(whileAlive.message).toContain(`in use by process ${started.pid}`);
    expect(answered).toEqual({ '1': 20, '2': 20, '3': 20 });
    const resources = after.targets.state('helpdesk').resources;
    for (const id of ['1', '2', '3'])
      expect(resources[`/api/v2/users/${id}`]).toMatchObject({ version: 20, body: { version: 20 } });
    // Every answered write survived: the entity holds at least the newest answered version.
    expect(newestAnswered).toBeGreaterThan(20);
    expect(resources['/api/v2/users/4']?.version).toBeGreaterThanOrEqual(newestAnswered);
    expect(after.targets.state('helpdesk').requests.total).toBeGreaterThanOrEqual(60 + stormAnswered);
    await after.stop();
  });
});
