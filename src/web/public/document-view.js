// One document: what GET /v1/ingest/{id} says of it (live while it is in flight) and its chunks, a page at a time.
import { api, withQuery } from './api.js';
import { actionButtons, POLL_MS, progressOf, statusBadge } from './documents.js';
import { $, announce, documentName, formatTime, h, headingsOf, keepFocus, pagesOf, plural, show } from './dom.js';

export const CHUNK_PAGE_SIZE = 20;
const IN_FLIGHT = new Set(['accepted', 'running']);

export class DocumentView {
  /** `onChange()` after a retry, cancel or delete; `onError(message)` shows a problem in the page's banner. */
  constructor({ onChange, onError }) {
    this.onChange = onChange;
    this.onError = onError;
    this.id = undefined;
    this.item = undefined;
    this.cursors = [null];
    this.nextCursor = null;
    this.timer = undefined;
    this.generation = 0;
    $('chunks-next').addEventListener('click', () => {
      if (!this.nextCursor) return;
      this.cursors.push(this.nextCursor);
      void this.loadChunks();
    });
    $('chunks-previous').addEventListener('click', () => {
      if (this.cursors.length > 1) this.cursors.pop();
      void this.loadChunks();
    });
  }

  async open(id) {
    this.close();
    this.id = id;
    this.cursors = [null];
    $('document-heading').textContent = 'Document';
    $('document-facts').replaceChildren();
    $('document-actions').replaceChildren();
    $('document-attempts').replaceChildren();
    $('chunks').replaceChildren();
    show($('chunks-empty'), '');
    $('chunks-info').textContent = '';
    await this.load();
    $('document-heading').focus();
  }

  close() {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.id = undefined;
    this.generation++;
  }

  /** Reads the ingestion again; its chunks too when it has (newly) completed. Polls while it is in flight. */
  async load() {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    const id = this.id;
    try {
      const item = await api('GET', `/v1/ingest/${id}`);
      if (generation !== this.generation) return;
      const before = this.item?.id === id ? this.item.status : undefined;
      this.item = item;
      this.render(item);
      if (before !== undefined && before !== item.status) announce(`${documentName(item)}: ${item.status}`);
      if (before !== item.status) await this.loadChunks();
      this.onError('');
    } catch (error) {
      if (generation !== this.generation) return;
      if (error.code === 'INGESTION_NOT_FOUND') {
        $('document-heading').textContent = 'Document not found';
        show($('chunks-empty'), `No ingestion ${id}: it may have been deleted.`);
        return;
      }
      this.onError(`Could not load the document: ${error.full ?? error.message}`);
    }
    if (generation === this.generation && this.item && IN_FLIGHT.has(this.item.status)) this.timer = setTimeout(() => void this.load(), POLL_MS);
  }

  render(item) {
    const name = documentName(item);
    $('document-heading').textContent = name;
    const done = (message, error, verb) => {
      if (error) return this.onError(message);
      announce(message);
      this.onChange();
      if (verb === 'delete') location.hash = '#/';
      else void this.load();
    };
    const restoreFocus = keepFocus();
    $('document-actions').replaceChildren(h('div', { className: 'row', dataset: { id: item.id } }, actionButtons(item, done)));
    restoreFocus();

    const facts = [
      ['Status', [statusBadge(item.status), item.status === 'running' ? progressOf(item, name) : null, item.stage ? ` ${item.stage}` : null]],
      ['Id', h('code', {}, item.id)],
      ['Collection', item.collection],
      ['Chunks', item.chunk_count ?? '—'],
      ['Length', plural(item.text_length, 'character')],
      [
        'Chunking',
        Object.entries(item.chunking || {})
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'server default',
      ],
      item.document_id ? ['Document id', `${item.document_id} (version ${item.document_version})`] : null,
      item.superseded_by ? ['Replaced by', h('a', { href: `#/documents/${item.superseded_by}` }, item.superseded_by)] : null,
      item.error ? ['Error', h('span', { className: 'error' }, item.error)] : null,
      ['Created', formatTime(item.created_at)],
      ['Updated', formatTime(item.updated_at)],
      ['Source metadata', h('pre', { className: 'json' }, JSON.stringify(item.source_metadata, null, 2))],
    ].filter(Boolean);
    $('document-facts').replaceChildren(...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));

    $('document-attempts').replaceChildren(
      ...item.attempts_history.map((a) =>
        h(
          'tr',
          {},
          h('td', {}, a.attempt),
          h('td', {}, a.outcome ?? 'running'),
          h('td', {}, formatTime(a.started_at)),
          h('td', {}, formatTime(a.ended_at)),
          h('td', { className: 'id' }, a.worker),
          h('td', {}, a.error ?? ''),
        ),
      ),
    );
    $('document-attempts-panel').querySelector('summary').textContent = `Attempts (${item.attempts_history.length})`;
  }

  async loadChunks() {
    const generation = this.generation;
    const item = this.item;
    if (item.status !== 'completed') {
      $('chunks').replaceChildren();
      show($('chunks-empty'), `No chunks stored: the document is ${item.status}.`);
      $('chunks-info').textContent = '';
      $('chunks-previous').disabled = true;
      $('chunks-next').disabled = true;
      return;
    }
    try {
      const page = await api('GET', withQuery(`/v1/ingest/${item.id}/chunks`, { limit: CHUNK_PAGE_SIZE, cursor: this.cursors.at(-1) }));
      if (generation !== this.generation) return;
      this.nextCursor = page.next_cursor;
      $('chunks').replaceChildren(...page.items.map(chunkItem));
      show($('chunks-empty'), page.items.length ? '' : 'This document has no chunks.');
      const first = page.items[0]?.chunk_index;
      const last = page.items.at(-1)?.chunk_index;
      $('chunks-info').textContent = page.items.length ? `Chunks ${first + 1}–${last + 1} of ${item.chunk_count ?? '?'}` : '';
      $('chunks-previous').disabled = this.cursors.length === 1;
      $('chunks-next').disabled = !this.nextCursor;
    } catch (error) {
      if (generation === this.generation) this.onError(`Could not load the chunks: ${error.full ?? error.message}`);
    }
  }
}

function chunkItem(chunk) {
  const headings = headingsOf(chunk.metadata);
  const pages = pagesOf(chunk.metadata);
  const facts = [
    `#${chunk.chunk_index}`,
    chunk.token_count === null ? null : plural(chunk.token_count, 'token'),
    `characters ${chunk.start_offset}–${chunk.end_offset}`,
  ].filter(Boolean);
  return h(
    'li',
    { className: 'chunk', value: chunk.chunk_index + 1, dataset: { chunkId: chunk.chunk_id } },
    h(
      'div',
      { className: 'meta' },
      headings ? h('span', { className: 'headings' }, headings) : null,
      pages ? h('span', { className: 'pages' }, pages) : null,
      h('span', {}, facts.join(' · ')),
    ),
    h('p', { className: 'chunk-text' }, chunk.text),
  );
}
