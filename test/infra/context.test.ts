import { describe, expect, it } from 'vitest';
import { readDeployContext } from '../../lib/infra/context.js';
import { ConfigurationError } from '../../lib/infra/errors.js';

const from = (context: Record<string, unknown>) => (key: string) => context[key];
const problemsOf = (context: Record<string, unknown>): string[] => {
  try {
    readDeployContext(from(context), '/project');
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
};

describe('reading the deploy context', () => {
  it('reads cdk.json values and -c strings alike', () => {
    // Prepare
    const context = {
      stage: 'prod',
      contracts: 'team/contracts',
      runbookBaseUrl: 'https://github.com/acme/handoff/blob/main/runbooks/',
      endpoints: '{"HELPDESK_API_URL":"https://helpdesk.example.com"}',
      alarmSubscriptions: { page: ['https://events.pagerduty.com/x'], ticket: ['team@example.com'] },
    };

    // Act
    const read = readDeployContext(from(context), '/project');

    // Assess
    expect(read).toEqual({
      stage: 'prod',
      contractsDir: '/project/team/contracts',
      runbookBaseUrl: 'https://github.com/acme/handoff/blob/main/runbooks',
      endpoints: { HELPDESK_API_URL: 'https://helpdesk.example.com' },
      alarmSubscriptions: {
        page: [{ kind: 'https', endpoint: 'https://events.pagerduty.com/x' }],
        ticket: [{ kind: 'email', endpoint: 'team@example.com' }],
      },
    });
  });

  it('defaults the stage and the contracts folder', () => {
    const read = readDeployContext(from({ runbookBaseUrl: 'https://runbooks.example.com' }), '/project');
    expect(read).toMatchObject({
      stage: 'dev',
      contractsDir: '/project/contracts',
      endpoints: {},
      alarmSubscriptions: {},
    });
  });

  it('lists every problem at once, each naming the key and what is expected', () => {
    // Act
    const problems = problemsOf({
      stage: 'Prod-EU',
      runbookBaseUrl: 'runbooks',
      endpoints: '{"HELPDESK_API_URL": ',
      alarmSubscriptions: ['team@example.com'],
    });

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^stage "Prod-EU": expected 2-8 lower-case letters/),
      expect.stringMatching(/^runbookBaseUrl "runbooks": expected the https:\/\/ URL/),
      expect.stringMatching(/^endpoints: not valid JSON .*; expected an object such as -c endpoints=/),
      expect.stringMatching(/^alarmSubscriptions: expected a JSON object .*, got a list/),
    ]);
  });

  it('checks each endpoint entry', () => {
    const problems = problemsOf({
      runbookBaseUrl: 'https://runbooks.example.com',
      endpoints: { 'not-a-name': 'https://x.example.com', EMPTY: '', NUMBER: 42 },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^endpoints\.not-a-name: not an environment variable name/),
      expect.stringMatching(/^endpoints\.EMPTY: expected a non-empty string/),
      expect.stringMatching(/^endpoints\.NUMBER: expected a non-empty string .*got a number/),
    ]);
  });

  it('does not echo a bad subscription in full (addresses and integration keys)', () => {
    const problems = problemsOf({
      runbookBaseUrl: 'https://runbooks.example.com',
      alarmSubscriptions: { page: ['ada.lovelace@example'] },
    });
    expect(problems).toEqual([
      expect.stringContaining('alarmSubscriptions.page[0] ("ada.love…", 20 characters)'),
    ]);
    expect(problems.join()).not.toContain('ada.lovelace@example');
  });
});
