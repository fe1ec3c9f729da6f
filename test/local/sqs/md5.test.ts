import { describe, expect, it } from 'vitest';
import { md5OfAttributes, md5OfBody } from '../../../lib/local/sqs/md5.js';

describe('md5OfBody', () => {
  it('is the hex MD5 of the UTF-8 body, as SQS returns it', () => {
    // Act / Assess: digests SQS returned for these bodies (pinned in moto's tests against AWS).
    expect(md5OfBody('derp')).toBe('58fd9edd83341c29f1aebba81c31e257');
    expect(md5OfBody('test')).toBe('098f6bcd4621d373cade4e832627b4f6');
  });
});

describe('md5OfAttributes', () => {
  it('matches the digests SQS returns for Number attributes', () => {
    // Act / Assess
    expect(md5OfAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } })).toBe(
      '235c5c510d26fb653d073faed50ae77c',
    );
    expect(md5OfAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359901' } })).toBe(
      '994258b45346a2cc3f9cbb611aa7af30',
    );
  });

  it('sorts by name and encodes binary values with transport type 2', () => {
    // Prepare: moto's mixed-type vector (String, Binary, Number, non-ASCII), given out of order.
    const attributes = {
      ccc: { DataType: 'String', StringValue: 'testjunk' },
      aaa: { DataType: 'Binary', BinaryValue: Uint8Array.of(2, 3, 4) },
      zzz: { DataType: 'Number', StringValue: '0230.01' },
      öther_encodings: { DataType: 'String', StringValue: 'Tüst' },
    };

    // Act
    const digest = md5OfAttributes(attributes);

    // Assess
    expect(digest).toBe('8ae21a7957029ef04146b42aeaa18a22');
  });

  it('is undefined without attributes, so the field is left out', () => {
    // Act / Assess
    expect(md5OfAttributes({})).toBeUndefined();
  });
});
