/**
 * A tiny element builder: every value from an answer goes in as text (`textContent`), never as
 * markup, so nothing the API returns can inject HTML; links are set only for http(s) URLs.
 */
import { type Label, relativeTime, timeTitle } from './format.js';

/** A child: a node, text, or nothing (skipped); arrays are flattened. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Attributes: strings (set as attributes), true (present), false/undefined (absent). */
export type Attrs = Record<string, string | boolean | undefined>;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

/** Appends children to a node. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? text(child) : child);
  }
}

function text(value: string | number): Text {
  return document.createTextNode(String(value));
}

/** `<time>` with relative text ("12 minutes ago") and the exact time on hover. */
export function timeEl(iso: string, now: Date): HTMLTimeElement {
  return h('time', { datetime: iso, title: timeTitle(iso) }, relativeTime(iso, now));
}

/** A state badge: symbol (hidden from screen readers) and text, coloured by tone. */
export function badge(label: Label, extraClass = ''): HTMLSpanElement {
  return h(
    'span',
    { class: `badge tone-${label.tone}${extraClass ? ` ${extraClass}` : ''}` },
    h('span', { class: 'badge-symbol', 'aria-hidden': 'true' }, label.symbol),
    ' ',
    label.text,
  );
}

/** An external link (runbooks) opening in a new tab, or plain text when the URL is not http(s). */
export function externalLink(url: string, label: string, isSafe: (url: string) => boolean): HTMLElement {
  if (!isSafe(url)) return h('span', null, label);
  return h(
    'a',
    { href: url, target: '_blank', rel: 'noopener noreferrer' },
    label,
    h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
  );
}

/** A definition-list row. */
export function fact(term: string, ...value: Child[]): Child[] {
  return [h('dt', null, term), h('dd', null, ...value)];
}
