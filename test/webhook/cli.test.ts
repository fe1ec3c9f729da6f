import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import type { Io } from '../../lib/cli/io.js';
import { verify } from '../../lib/webhooks/signing.js';
import { examplePlan } from '../helpers/estate.js';
import { EXAMPLE_CONTRACTS } from '../helpers/paths.js';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  };
  const code = await main(['webhook', ...args, '--contracts', EXAMPLE_CONTRACTS], io);
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'handoff-webhook-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const BODY = '{"type":"ticket.solved","occurred_at":"2026-11-30T10:00:00Z","data":{"ticketId":9001}}';
const bodyFile = join(tmp, 'solved.json');
writeFileSync(bodyFile, BODY);
const plan = examplePlan();
const webhookOf = (id: string) => {
  const w = plan.webhooks.find((x) => x.systemId === id);
  if (!w) throw new Error(id);
  return w;
};

/** Parses `Name: value` lines. */
function headersOf(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
  );
}

describe('handoff webhook sign', () => {
  it.each([
    ['helpdesk', 'a-helpdesk-secret'],
    ['billing', 'whsec_billingSecret'],
    ['product', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  ])('prints headers that the %s receiver verifies', async (system, secret) => {
    // Act
    const { code, out } = await run('sign', '--system', system, '--body', bodyFile, '--secret', secret);

    // Assess
    expect(code).toBe(0);
    const headers = headersOf(out);
    expect(headers['content-type']).toBe('application/json');
    const result = verify(
      webhookOf(system).signature,
      [secret],
      { body: Buffer.from(BODY), headers },
      new Date(),
    );
    expect(result).toEqual({ ok: true });
  });

  it('sends the delivery id in the header the contract reads it from, as given with --id', async () => {
    const { out } = await run(
      'sign',
      '--system',
      'helpdesk',
      '--body',
      bodyFile,
      '--secret',
      's',
      '--id',
      'dlv-77',
    );

    expect(headersOf(out)['x-helpdesk-delivery-id']).toBe('dlv-77');
  });

  it('signs at the --timestamp given', async () => {
    const { out } = await run(
      'sign',
      '--system',
      'product',
      '--body',
      bodyFile,
      '--secret',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      '--id',
      'msg_1',
      '--timestamp',
      '1614265330',
    );

    expect(headersOf(out)['webhook-timestamp']).toBe('1614265330');
  });

  it('prints a curl command that sends the file byte for byte', async () => {
    const { code, out } = await run(
      'sign',
      '--system',
      'billing',
      '--body',
      bodyFile,
      '--secret',
      'whsec_x',
      '--curl',
      '--url',
      'https://abc.lambda-url.eu-west-1.on.aws/',
    );

    expect(code).toBe(0);
    expect(out).toMatch(/^curl -sS -X POST 'https:\/\/abc\.lambda-url\.eu-west-1\.on\.aws\/'/);
    expect(out).toContain(`--data-binary '@${bodyFile}'`);
    expect(out).toMatch(/-H 'stripe-signature: t=\d+,v1=[0-9a-f]{64}'/);
  });

  it('signs with the local layer’s secret and targets its webhook URL', async () => {
    // Prepare: a data folder as a running layer leaves it (this process stands in for the layer).
    const data = mkdtempSync(join(tmp, 'data-'));
    writeFileSync(
      join(data, 'secrets.json'),
      JSON.stringify({ 'handoff/helpdesk/webhook-secret': 'local-abc' }),
    );
    writeFileSync(
      join(data, 'endpoints.json'),
      JSON.stringify({ events: 'http://127.0.0.1:4750', pid: process.pid }),
    );

    const { code, out } = await run(
      'sign',
      '--system',
      'helpdesk',
      '--body',
      bodyFile,
      '--local',
      '--data',
      data,
      '--curl',
    );

    expect(code).toBe(0);
    expect(out).toContain("'http://127.0.0.1:4750/webhooks/helpdesk'");
    const signature = /x-helpdesk-signature: ([^']+)'/.exec(out)?.[1] ?? '';
    const result = verify(
      webhookOf('helpdesk').signature,
      ['local-abc'],
      { body: Buffer.from(BODY), headers: { 'x-helpdesk-signature': signature } },
      new Date(),
    );
    expect(result).toEqual({ ok: true });
  });

  it('exits 1 with a way forward when the local layer has no secrets yet', async () => {
    const { code, err } = await run(
      'sign',
      '--system',
      'helpdesk',
      '--body',
      bodyFile,
      '--local',
      '--data',
      join(tmp, 'none'),
    );

    expect(code).toBe(1);
    expect(err).toMatch(/start the local layer once \(npm start\).*or pass --secret/);
  });

  it.each([
    [['sign', '--body', bodyFile, '--secret', 's'], /--system SYSTEM is required/],
    [['sign', '--system', 'helpdesk', '--secret', 's'], /--body FILE is required/],
    [['sign', '--system', 'helpdesk', '--body', bodyFile], /--local .* or --secret VALUE/],
    [['sign', '--system', 'helpdesk', '--body', bodyFile, '--secret', 's', '--local'], /not both/],
    [
      ['sign', '--system', 'crm', '--body', bodyFile, '--secret', 's'],
      /declares no webhook; systems with one: helpdesk, billing, product/,
    ],
    [
      ['sign', '--system', 'billing', '--body', bodyFile, '--secret', 's', '--id', 'x'],
      /body\.id, not from a header/,
    ],
    [['sign', '--system', 'product', '--body', bodyFile, '--secret', 'not base64!'], /whsec_/],
    [
      ['sign', '--system', 'helpdesk', '--body', join(tmp, 'missing.json'), '--secret', 's'],
      /cannot read --body .* \(ENOENT\)/,
    ],
    [
      ['sign', '--system', 'helpdesk', '--body', bodyFile, '--secret', 's', '--timestamp', 'now'],
      /not a Unix time/,
    ],
    [['verify'], /unknown sub-command "verify"/],
  ])('exits 2 for %j, saying what is expected, with no stack trace', async (args, message) => {
    const { code, err } = await run(...args);

    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/Usage: handoff webhook sign/);
    expect(err).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('warns on stderr about a body the receiver will refuse, and still signs it', async () => {
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"type":');

    const { code, out, err } = await run('sign', '--system', 'helpdesk', '--body', broken, '--secret', 's');

    expect(code).toBe(0);
    expect(err).toMatch(/not valid JSON/);
    expect(headersOf(out)['x-helpdesk-signature']).toBeDefined();
  });
});

describe('./bin/handoff webhook sign', () => {
  it('runs from the shell: the real entry point prints the headers', async () => {
    const { stdout } = await promisify(execFile)(
      join(EXAMPLE_CONTRACTS, '..', 'bin', 'handoff'),
      ['webhook', 'sign', '--system', 'helpdesk', '--body', bodyFile, '--secret', 's', '--id', 'd-1'],
      { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );

    expect(stdout).toMatch(
      /^content-type: application\/json\nx-helpdesk-delivery-id: d-1\nx-helpdesk-signature: \S+\n$/,
    );
  });
});
