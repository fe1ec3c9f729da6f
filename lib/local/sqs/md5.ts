/**
 * The MD5 digests SQS returns, computed exactly as SQS does so SDKs that verify them accept ours.
 * The attribute digest follows the AWS SDKs' MessageMD5ChecksumHandler: attributes sorted by name,
 * each as length-prefixed name, length-prefixed data type, one transport byte (1 string, 2
 * binary) and the length-prefixed value; lengths are 4-byte big-endian.
 */
import { createHash, type Hash } from 'node:crypto';
import type { MessageAttributeValue } from './model.js';

const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

/** Hex MD5 of a message body's UTF-8 bytes (`MD5OfMessageBody`, `MD5OfBody`). */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/**
 * Hex MD5 of message attributes (`MD5OfMessageAttributes`, and `MD5OfMessageSystemAttributes` for
 * system attributes), or undefined when there are none: SQS then omits the field.
 */
export function md5OfAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  // Default sort compares UTF-16 code units, as Java's String.compareTo does in the SDKs.
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name];
    if (!value) continue;
    updateLengthAndBytes(hash, Buffer.from(name, 'utf8'));
    updateLengthAndBytes(hash, Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      hash.update(Uint8Array.of(BINARY_TRANSPORT));
      updateLengthAndBytes(hash, value.BinaryValue);
    } else {
      hash.update(Uint8Array.of(STRING_TRANSPORT));
      updateLengthAndBytes(hash, Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}

function updateLengthAndBytes(hash: Hash, bytes: Uint8Array): void {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  hash.update(length);
  hash.update(bytes);
}
