/**
 * IP address handling as aws/event-ruler's CIDR class does it: a string is only treated as an IP literal if it
 * looks like dotted IPv4 ("[0-9]+.[0-9]+.[0-9]+.[0-9]+") or bare IPv6 (hex digits and colons, at least one
 * colon), it is then parsed like Java's InetAddress (IPv4-mapped IPv6 becomes IPv4), and addresses are compared
 * as fixed-length upper-case hex strings.
 */

/** An inclusive range of addresses of one family, in hex. */
export interface IpRange {
  readonly bottom: string;
  readonly top: string;
}

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

// Whether a string has the shape the engine tries to read as an IP address at all.
function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

// Parses an IP literal to its bytes, or undefined when it is not one.
function parseIp(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) {
    return parseIpv4(text);
  }
  if (IPV6_SHAPE.test(text)) {
    const bytes = parseIpv6(text);
    return bytes === undefined ? undefined : unmapIpv4(bytes);
  }
  return undefined;
}

/** The hex form of an IP literal, used to compare event values against CIDR ranges. */
export function ipToHex(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes === undefined ? undefined : toHex(bytes);
}

function parseIpv4(text: string): number[] | undefined {
  const bytes: number[] = [];
  for (const part of text.split('.')) {
    // A leading zero makes an octet ambiguous (octal or decimal); current JDKs refuse such literals.
    if (part.length > 1 && part.startsWith('0')) {
      return undefined;
    }
    if (part.length > 3) {
      return undefined;
    }
    const value = Number(part);
    if (value > 255) {
      return undefined;
    }
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) {
    return undefined;
  }
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) {
      return undefined;
    }
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) {
      return undefined;
    }
    all = head;
  }
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function groups(text: string): number[] | undefined {
  if (text === '') {
    return [];
  }
  const result: number[] = [];
  for (const group of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) {
      return undefined;
    }
    result.push(Number.parseInt(group, 16));
  }
  return result;
}

// Java's InetAddress turns ::ffff:a.b.c.d (written in hex here) into the plain IPv4 address.
function unmapIpv4(bytes: number[]): number[] {
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function toHex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** Result of reading a `cidr` operand: a range, or the engine's complaint. */
export type CidrResult =
  | { readonly ok: true; readonly range: IpRange }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads "address/bits" like event-ruler: the range starts at the address as written (host bits are not
 * cleared) and ends at the address with all host bits set; IPv4 masks must be < 32 and IPv6 masks < 128.
 */
export function parseCidr(cidr: string): CidrResult {
  // Java's String.split drops trailing empty strings, so "10.0.0.0/24/" still has two parts.
  const parts = cidr.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') {
    parts.pop();
  }
  if (parts.length !== 2) {
    return { ok: false, reason: "Malformed CIDR, one '/' required" };
  }
  const [address = '', maskText = ''] = parts;
  // Integer.parseInt: optional sign, decimal digits, 32-bit range.
  const maskBits = Number(maskText);
  if (!/^[+-]?[0-9]+$/.test(maskText) || maskBits > 2 ** 31 - 1 || maskBits < -(2 ** 31)) {
    return { ok: false, reason: 'Malformed CIDR, mask bits must be an integer' };
  }
  if (maskBits < 0) {
    return { ok: false, reason: 'Malformed CIDR, mask bits must not be negative' };
  }
  if (!looksLikeIp(address)) {
    return { ok: false, reason: `Nonstandard IP address: ${address}` };
  }
  const bytes = parseIp(address);
  if (bytes === undefined) {
    return { ok: false, reason: `Invalid IP address: ${address}` };
  }
  if (bytes.length === 4 && maskBits > 31) {
    return { ok: false, reason: 'IPv4 mask bits must be < 32' };
  }
  if (bytes.length === 16 && maskBits > 127) {
    return { ok: false, reason: 'IPv6 mask bits must be < 128' };
  }
  let hostBits = bytes.length * 8 - maskBits;
  const top = [...bytes];
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    const current = top[i] ?? 0;
    top[i] = hostBits >= 8 ? 0xff : current | ((1 << hostBits) - 1);
  }
  return { ok: true, range: { bottom: toHex(bytes), top: toHex(top) } };
}

/** The one-address range an exact-match string that is an IP literal turns into. */
export function singleIpRange(text: string): IpRange | undefined {
  const hex = ipToHex(text);
  return hex === undefined ? undefined : { bottom: hex, top: hex };
}

/** Whether an address (hex) lies in a range of the same family. */
export function inIpRange(hex: string, range: IpRange): boolean {
  return hex.length === range.bottom.length && hex >= range.bottom && hex <= range.top;
}
