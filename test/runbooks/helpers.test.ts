import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const HELPERS = join(PROJECT_ROOT, 'runbooks', 'helpers.sh');
const which = (cmd: string) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const CURL = which('curl');
const SHELLS = ['bash', 'dash'].filter((s) => which(s) !== '');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

// The AWS CLI is the one part without a local counterpart: a stand-in answers the three calls the
// helper makes. curl is the real one (wrapped only to record its command line), the server a real
// HTTP server.
const bin = mkdtempSync(join(tmpdir(), 'handoff-helpers-'));
const calls = join(bin, 'calls.log');
writeFileSync(
  join(bin, 'aws'),
  `#!/bin/sh
echo "aws $*" >> "${calls}"
case "$1 $2" in
  "cloudformation describe-stacks") printf '%s\\n' "$FAKE_STATUS_API_URL" ;;
  "configure export-credentials")
    if [ -n "$FAKE_NO_CREDENTIALS" ]; then echo 'Unable to locate credentials' >&2; exit 255; fi
    printf 'AWS_ACCESS_KEY_ID=AKIDEXAMPLE\\nAWS_SECRET_ACCESS_KEY=${SECRET}\\nAWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE==\\nAWS_CREDENTIAL_EXPIRATION=2030-01-01T00:00:00Z\\n' ;;
  "configure get") echo eu-west-1 ;;
  "logs start-query") echo query-1 ;;
  "logs get-query-results")
    case "$*" in
      *"--query status"*)
        # Running twice, then the final state, so the helper has to poll.
        n=$(( $(cat "${bin}/polls" 2>/dev/null || echo 0) + 1 )); echo "$n" > "${bin}/polls"
        if [ "$n" -lt 3 ]; then echo Running; else echo "\${FAKE_QUERY_STATE:-Complete}"; fi ;;
      *"results[0]"*) printf 'error.name\terrors\n' ;;
      *) printf 'TimeoutError\t7\nTypeError\t1\n' ;;
    esac ;;
  *) echo "unexpected aws call: $*" >&2; exit 1 ;;
esac
`,
);
writeFileSync(join(bin, 'curl'), `#!/bin/sh\necho "curl $*" >> "${calls}"\nexec "${CURL}" "$@"\n`);
chmodSync(join(bin, 'aws'), 0o755);
chmodSync(join(bin, 'curl'), 0o755);

const seen: Seen[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ contracts: [{ id: 'crm-customer-to-helpdesk', health: 'ok' }] }));
  });
});
let baseUrl = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function shell(sh: string, script: string, env: Record<string, string> = {}) {
  writeFileSync(calls, '');
  writeFileSync(join(bin, 'polls'), '0');
  seen.length = 0;
  try {
    const { stdout, stderr } = await run(sh, ['-c', `. "${HELPERS}"\n${script}`], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: bin,
        FAKE_STATUS_API_URL: baseUrl,
        HANDOFF_POLL_SECONDS: '0',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('runbooks/helpers.sh', () => {
  it.each(SHELLS)('is valid %s', (sh) => {
    expect(() => execFileSync(sh, ['-n', HELPERS])).not.toThrow();
  });

  describe('insights', () => {
    it.each(SHELLS)('queries the last minutes, waits for the result and prints it (%s)', async (sh) => {
      const query = 'filter level = "ERROR" | stats count(*) as errors by error.name';

      const result = await shell(sh, `insights /aws/lambda/handoff-dev-x '${query}' 15`);

      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('error.name\terrors\nTimeoutError\t7\nTypeError\t1\n');
      const log = readFileSync(calls, 'utf8');
      const start = /--start-time (\d+) --end-time (\d+) --query-string (.*) --query queryId/.exec(log);
      expect(Number(start?.[2]) - Number(start?.[1])).toBe(15 * 60);
      expect(start?.[3]).toBe(query);
      expect(log.match(/--query status/g)).toHaveLength(3);
    });

    it('fails with the final state when the query does not complete', async () => {
      const result = await shell('bash', `insights /aws/lambda/handoff-dev-x 'fields @message'`, {
        FAKE_QUERY_STATE: 'Failed',
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('the query ended as Failed');
      expect(result.stdout).toBe('');
    });
  });

  describe.skipIf(CURL === '')('handoff_api', () => {
    it.each(SHELLS)('signs a status API request with SigV4 for execute-api (%s)', async (sh) => {
      const result = await shell(sh, 'handoff_api /v1/contracts/crm-customer-to-helpdesk', {
        STAGE: 'dev',
        AWS_REGION: 'eu-west-1',
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(seen).toHaveLength(1);
      const request = seen[0] ?? expect.unreachable();
      expect(request.method).toBe('GET');
      expect(request.url).toBe('/v1/contracts/crm-customer-to-helpdesk');
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(request.headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLE==');
      expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
      expect(JSON.parse(result.stdout)).toEqual({
        contracts: [{ id: 'crm-customer-to-helpdesk', health: 'ok' }],
      });
    });

    it('never puts the secret key on a command line', async () => {
      await shell('bash', 'handoff_api /v1/contracts', { STAGE: 'dev', AWS_REGION: 'eu-west-1' });

      const log = readFileSync(calls, 'utf8');
      expect(log).toContain('curl -sS -K - --aws-sigv4 aws:amz:eu-west-1:execute-api');
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain('FwoGZXIvYXdzEXAMPLE');
    });

    it('reads the API URL once per shell and stage, and passes curl options through', async () => {
      const result = await shell(
        'bash',
        [
          'handoff_api /v1/contracts >/dev/null',
          `handoff_api /v1/incidents/i-1/notes -X POST -H 'content-type: application/json' --data '{"text":"Fixed."}' >/dev/null`,
        ].join('\n'),
        { STAGE: 'dev', AWS_REGION: 'eu-west-1' },
      );

      expect(result.code).toBe(0);
      expect(readFileSync(calls, 'utf8').match(/cloudformation describe-stacks/g)).toHaveLength(1);
      expect(seen.map((r) => [r.method, r.url, r.body])).toEqual([
        ['GET', '/v1/contracts', ''],
        ['POST', '/v1/incidents/i-1/notes', '{"text":"Fixed."}'],
      ]);
      expect(seen[1]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    });

    it('takes the region from the AWS CLI when AWS_REGION is not set', async () => {
      await shell('bash', 'handoff_api /v1/ownership', { STAGE: 'dev' });

      expect(seen[0]?.headers.authorization).toContain('/eu-west-1/execute-api/');
    });

    it('stops with a clear message and calls nothing without credentials', async () => {
      const result = await shell('bash', 'handoff_api /v1/contracts', {
        STAGE: 'dev',
        AWS_REGION: 'eu-west-1',
        FAKE_NO_CREDENTIALS: '1',
      });

      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('no AWS credentials; log in first');
      expect(seen).toEqual([]);
    });

    it('asks for STAGE when it is not set', async () => {
      const result = await shell('bash', 'handoff_api /v1/contracts', { AWS_REGION: 'eu-west-1' });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('set STAGE first');
      expect(seen).toEqual([]);
    });

    it('says when the stage has no status API', async () => {
      const result = await shell('bash', 'handoff_api /v1/contracts', {
        STAGE: 'nope',
        AWS_REGION: 'eu-west-1',
        FAKE_STATUS_API_URL: 'None',
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('stack handoff-nope-core has no StatusApiUrl output');
    });
  });
});
