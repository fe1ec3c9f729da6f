import { describe, expect, it } from 'vitest';
import type { SyncRecord } from '../../lambdas/commons/records.js';
import { classifyStatus } from '../../lambdas/sync/adapters/http.js';
import { ConfigSyncError, PermanentSyncError, TransientSyncError } from '../../lambdas/sync/errors.js';
import { decide } from '../../lambdas/sync/state.js';

const NOW = 1_000_000;
const record = (overrides: Partial<SyncRecord>): SyncRecord => ({
  pk: 'E#customer#42',
  sk: 'C#c',
  contractId: 'c',
  entityType: 'customer',
  entityId: '42',
  state: 'in_sync',
  version: 5,
  eventId: 'e5',
  requestId: 'r',
  leaseUntil: 0,
  attempts: 1,
  updatedAt: '2026-01-01T00:00:00Z',
  rev: 1,
  ...overrides,
});

describe('decide', () => {
  it.each<[string, SyncRecord | undefined, { id: string; version: number }, ReturnType<typeof decide>]>([
    ['a first change', undefined, { id: 'e1', version: 1 }, { action: 'proceed' }],
    ['a newer change', record({}), { id: 'e6', version: 6 }, { action: 'proceed' }],
    ['an older change', record({}), { id: 'e4', version: 4 }, { action: 'skip', reason: 'older' }],
    [
      'the same version from another event',
      record({}),
      { id: 'other', version: 5 },
      { action: 'skip', reason: 'duplicate' },
    ],
    [
      'the same event again (retry after a crash)',
      record({}),
      { id: 'e5', version: 5 },
      { action: 'proceed' },
    ],
    [
      'the same version while it is being retried',
      record({ state: 'retrying' }),
      { id: 'redrive', version: 5 },
      { action: 'proceed' },
    ],
    [
      'a redrive of a rejected version',
      record({ state: 'failed', version: 4, failedVersion: 5 }),
      { id: 'redrive', version: 5 },
      { action: 'proceed' },
    ],
    [
      'a newer change during another lease',
      record({ leaseUntil: NOW + 500 }),
      { id: 'e6', version: 6 },
      { action: 'wait', untilMs: NOW + 500 },
    ],
    [
      'an older change during another lease',
      record({ leaseUntil: NOW + 500 }),
      { id: 'e4', version: 4 },
      { action: 'skip', reason: 'older' },
    ],
    [
      'the lease holder itself',
      record({ leaseUntil: NOW + 500 }),
      { id: 'e5', version: 5 },
      { action: 'proceed' },
    ],
    [
      'a change after the lease ended',
      record({ leaseUntil: NOW - 1 }),
      { id: 'e6', version: 6 },
      { action: 'proceed' },
    ],
  ])('%s', (_name, stored, event, expected) => {
    expect(decide(stored, event, NOW)).toEqual(expected);
  });
});

describe('HTTP status taxonomy', () => {
  it.each([
    [200, undefined],
    [204, undefined],
    [412, 'superseded'],
  ])('HTTP %i → %s', (status, expected) => {
    expect(classifyStatus(status, 'Helpdesk')).toBe(expected);
  });

  it.each([
    [408, TransientSyncError],
    [425, TransientSyncError],
    [429, TransientSyncError],
    [500, TransientSyncError],
    [503, TransientSyncError],
    [401, ConfigSyncError],
    [403, ConfigSyncError],
    [301, ConfigSyncError],
    [400, PermanentSyncError],
    [404, PermanentSyncError],
    [409, PermanentSyncError],
    [422, PermanentSyncError],
  ])('HTTP %i → %s', (status, type) => {
    expect(classifyStatus(status, 'Helpdesk')).toBeInstanceOf(type);
  });
});
