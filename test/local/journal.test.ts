import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Invocation, Journal } from '../../lib/local/journal.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-journal-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const invocation = (id: string): Invocation => ({
  id,
  functionName: 'handoff-local-crm-customer-to-helpdesk',
  ruleName: 'handoff-local-crm-customer-to-helpdesk',
  busName: 'handoff-local',
  event: { id: `event-${id}`, detail: { customerId: id } },
  receivedAt: 1_000,
  attempts: 0,
  deliveryAttempts: 0,
  dueAt: 1_000,
});

describe('the journal', () => {
  it('keeps accepted invocations with their latest update, and forgets completed ones, across a reopen', async () => {
    // Prepare
    const dir = tempDir();
    const journal = await Journal.open(dir);
    await journal.accept(Array.from({ length: 20 }, (_, i) => invocation(`i${i}`)));

    // Act: concurrent completions and updates, as a busy invoker issues them.
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => journal.complete(`i${i}`)),
      ...Array.from({ length: 5 }, (_, i) =>
        journal.update({ ...invocation(`i${10 + i}`), attempts: 1, dueAt: 61_000 }),
      ),
    ]);
    // An update then a completion of the same invocation, back to back: the completion wins.
    const updated = journal.update({ ...invocation('i19'), attempts: 1 });
    const completed = journal.complete('i19');
    await Promise.all([updated, completed]);
    await journal.close();
    const reopened = await Journal.open(dir);
    const pending = await reopened.pending();
    await reopened.close();

    // Assess
    expect(pending.map((p) => p.id).sort()).toEqual(
      ['i10', 'i11', 'i12', 'i13', 'i14', 'i15', 'i16', 'i17', 'i18'].sort(),
    );
    expect(
      pending
        .filter((p) => p.attempts === 1)
        .map((p) => p.id)
        .sort(),
    ).toEqual(['i10', 'i11', 'i12', 'i13', 'i14'].sort());
    expect(pending.find((p) => p.id === 'i15')).toEqual(invocation('i15'));
  });

  it('writes a completion still in progress when it closes', async () => {
    // Prepare
    const dir = tempDir();
    const journal = await Journal.open(dir);
    await journal.accept([invocation('a'), invocation('b')]);

    // Act: close without awaiting the completion first.
    const completion = journal.complete('a');
    await journal.close();
    await completion;
    const reopened = await Journal.open(dir);
    const pending = await reopened.pending();
    await reopened.close();

    // Assess
    expect(pending.map((p) => p.id)).toEqual(['b']);
  });
});
