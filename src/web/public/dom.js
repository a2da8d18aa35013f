// Small DOM helpers. Text from the service only ever enters the page as text nodes (never as HTML).

export const $ = (id) => document.getElementById(id);

/**
 * An element: `h('a', { href: '#/x', className: 'y' }, 'text', child)`. Attributes are set as properties
 * (`dataset`, `aria-*` and `data-*` as attributes); children are nodes or strings, the strings as text.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('aria-') || name.startsWith('data-')) element.setAttribute(name, String(value));
    else element[name] = value;
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Shows a message in an element (hidden when empty). */
export function show(element, message) {
  element.textContent = message || '';
  element.hidden = !message;
}

/** The name a person knows an ingestion by: its source, file name or document id, else the start of its id. */
export function documentName(item) {
  const meta = item.source_metadata || {};
  return meta.source || meta.file_name || item.document_id || `ingestion ${item.id.slice(0, 8)}`;
}

export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

export const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** "page 2", "pages 2–3" from a chunk's metadata; '' when it has none. */
export function pagesOf(metadata) {
  if (!metadata || metadata.page === undefined) return '';
  return metadata.page_end && metadata.page_end !== metadata.page ? `pages ${metadata.page}–${metadata.page_end}` : `page ${metadata.page}`;
}

/** "Guide › Install" from a markdown chunk's heading_path; '' when it has none. */
export function headingsOf(metadata) {
  return Array.isArray(metadata?.heading_path) && metadata.heading_path.length ? metadata.heading_path.join(' › ') : '';
}

// Words too common to be worth marking (the keyword retriever drops English stop words too).
const STOP_WORDS = new Set(
  'a an and are as at be but by do does for from has have how i if in into is it its of on or so than that the their then there these this to was were what when where which who why will with you'.split(
    ' ',
  ),
);

/**
 * The query's words, as prefixes to mark in results. PostgreSQL's english stemmer matches "lifting" with
 * "lifts"; a rough suffix cut gets most of that for display (it decides nothing about what matched).
 */
export function queryTerms(query) {
  const words = (query.toLowerCase().match(/[\p{L}\p{N}]+(?:[-_.'][\p{L}\p{N}]+)*/gu) || []).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
  const stems = words.map((w) => (w.length > 4 ? w.replace(/(?:ing|ed|es|s)$/u, '') : w));
  return [...new Set(stems)].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` as nodes with every word that starts with one of `terms` in a <mark>: built from text nodes, so
 * whatever the text holds (markup included) is shown as written.
 */
export function highlighted(text, terms) {
  if (terms.length === 0) return [document.createTextNode(text)];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})[\\p{L}\\p{N}]*`, 'giu');
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
    nodes.push(h('mark', {}, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}

/** Says something to screen readers through the page's polite live region. */
export function announce(message) {
  $('status-announcer').textContent = message;
}

/** Where a control sits: its row's data-id and its accessible name, which survive a re-render of the row. */
function placeOf(element) {
  if (!(element instanceof HTMLElement) || element === document.body) return undefined;
  const id = element.closest('[data-id]')?.dataset.id;
  const label = element.getAttribute('aria-label') || element.textContent;
  return id === undefined ? undefined : { id, tag: element.tagName, label };
}

function findPlace(place) {
  if (!place) return undefined;
  const scope = [...document.querySelectorAll('[data-id]')].find((e) => e.dataset.id === place.id);
  return [...(scope?.querySelectorAll(place.tag) ?? [])].find((e) => (e.getAttribute('aria-label') || e.textContent) === place.label);
}

/**
 * Before content that holds the focused control is rebuilt: returns a function that puts the focus back on
 * the rebuilt control (same row, same name), so a poll never takes a keyboard user's place away.
 */
export function keepFocus() {
  const active = document.activeElement;
  const place = placeOf(active);
  return () => {
    if (!place || active.isConnected) return;
    findPlace(place)?.focus();
  };
}

/** Asks before a destructive step, in the page's modal dialog (Esc or "Keep" says no). Resolves true for yes. */
export function confirmAction(message, confirmLabel) {
  const dialog = $('confirm-dialog');
  const opener = document.activeElement;
  const place = placeOf(opener);
  $('confirm-message').textContent = message;
  $('confirm-yes').textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  $('confirm-no').focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        // The opener may have been rebuilt by a poll meanwhile: then its successor gets the focus.
        const target = opener instanceof HTMLElement && opener.isConnected ? opener : findPlace(place);
        if (target) target.focus();
        resolve(dialog.returnValue === 'confirm');
      },
      { once: true },
    );
  });
}
