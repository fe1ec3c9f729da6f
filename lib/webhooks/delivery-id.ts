/**
 * Where a webhook carries its delivery id. Contracts give `event.id` as JMESPath over
 * `{ body, headers }`; the signing helper needs to know whether that is a header it must send
 * (`headers."x-helpdesk-delivery-id"`) or something inside the body the operator controls
 * (`body.id`). Pure: no JMESPath engine needed for these two simple shapes.
 */

/** The header a delivery id is read from, lower-case, or undefined when it is not a plain header. */
export function deliveryIdHeader(expression: string): string | undefined {
  const match = /^\s*headers\s*\.\s*(?:"((?:[^"\\]|\\.)+)"|([A-Za-z_][A-Za-z0-9_]*))\s*$/.exec(expression);
  const name = match?.[1] ?? match?.[2];
  return name === undefined ? undefined : name.replace(/\\(.)/g, '$1').toLowerCase();
}

/** Delivery ids the receiver accepts: 1-200 visible ASCII characters (provider ids, UUIDs). */
export const DELIVERY_ID_PATTERN = /^[\x21-\x7e]{1,200}$/;
