// The collection switcher and the documents table: one page of GET /v1/ingest at a time, kept live by polling
// while anything in the collection is accepted or running.
import { api, withQuery } from './api.js';
import { $, announce, confirmAction, documentName, formatTime, h, keepFocus, plural, show } from './dom.js';

export const STATUSES = ['accepted', 'running', 'completed', 'failed', 'cancelled', 'superseded'];
const IN_FLIGHT = new Set(['accepted', 'running']);
/** How often the page asks again while something is in flight; nothing is asked while nothing is. */
export const POLL_MS = 1500;
/** While polling, the collections' counts are read at least this often (and whenever a row in flight changes). */
const COUNTS_MS = 10_000;
const COLLECTION_STORAGE = 'ingestion-service.collection';

const total = (counts) => STATUSES.reduce((sum, status) => sum + (counts?.[status] ?? 0), 0);

/** Text for a status cell's detail line: progress while running, the next try while waiting, the error once failed. */
function statusDetail(item) {
  if (item.status === 'running') {
    if (item.stage === 'embedding' && item.chunks_total) return `embedding ${item.chunks_done ?? 0}/${item.chunks_total}`;
    return item.stage || 'starting';
  }
  if (item.status === 'accepted' && item.error) return `retry at ${formatTime(item.next_attempt_at)}: ${item.error}`;
  if (item.status === 'failed' || item.status === 'cancelled') return item.error || '';
  if (item.status === 'superseded' && item.superseded_by) return 'replaced by a newer version';
  return '';
}

/** A <progress> for a running ingestion: how many of its chunks are embedded, or indeterminate until that is known. */
export function progressOf(item, label) {
  const bar = h('progress', { className: 'progress', 'aria-label': `${label} progress` });
  if (item.chunks_total) {
    bar.max = item.chunks_total;
    bar.value = item.stage === 'storing' ? item.chunks_total : (item.chunks_done ?? 0);
  }
  return bar;
}

export function statusBadge(status) {
  return h('span', { className: `status status-${status}` }, status);
}

/**
 * Buttons for what can be done to an ingestion in its status: retry a failed one, cancel one in flight, delete
 * any (after a confirmation). `done(message, error?, verb)` is called after each attempt, with what happened.
 */
export function actionButtons(item, done) {
  const name = documentName(item);
  const act = async (button, [verb, past], run) => {
    button.disabled = true;
    try {
      await run();
      done(`${name}: ${past}`, undefined, verb);
    } catch (error) {
      button.disabled = false;
      done(`Could not ${verb} ${name}: ${error.full ?? error.message}`, error);
    }
  };
  const buttons = [];
  if (item.status === 'failed') {
    const retry = h('button', { type: 'button', className: 'secondary', 'aria-label': `Retry ${name}` }, 'Retry');
    retry.addEventListener('click', () => void act(retry, ['retry', 'retried'], () => api('POST', `/v1/ingest/${item.id}/retry`)));
    buttons.push(retry);
  }
  if (IN_FLIGHT.has(item.status)) {
    const cancel = h('button', { type: 'button', className: 'secondary', 'aria-label': `Cancel ${name}` }, 'Cancel');
    cancel.addEventListener('click', () => void act(cancel, ['cancel', 'cancelled'], () => api('POST', `/v1/ingest/${item.id}/cancel`)));
    buttons.push(cancel);
  }
  const remove = h('button', { type: 'button', className: 'danger', 'aria-label': `Delete ${name}` }, 'Delete');
  remove.addEventListener('click', async () => {
    const message = `Delete “${name}” and its ${item.chunk_count ? plural(item.chunk_count, 'chunk') : 'chunks'}? This cannot be undone.`;
    if (await confirmAction(message, 'Delete')) await act(remove, ['delete', 'deleted'], () => api('DELETE', `/v1/ingest/${item.id}`));
  });
  buttons.push(remove);
  return buttons;
}

export class Documents {
  /** `onError(message)` shows a problem outside the table (the page's banner); '' clears it. */
  constructor({ onError }) {
    this.onError = onError;
    this.collections = [];
    this.collection = sessionStorage.getItem(COLLECTION_STORAGE) || 'default';
    this.status = '';
    /** cursors[i] fetches page i (cursors[0] is the first page, no cursor). */
    this.cursors = [null];
    this.nextCursor = null;
    this.statuses = new Map();
    this.timer = undefined;
    this.generation = 0;
    this.countsReadAt = 0;
    /** The rows in flight on the page as last read, with their statuses: a change means the counts changed. */
    this.flying = '';
    this.listeners = new Set();

    $('collection').addEventListener('change', (e) => this.setCollection(e.target.value));
    $('status-filter').addEventListener('change', (e) => {
      this.status = e.target.value;
      this.firstPage();
    });
    $('page-size').addEventListener('change', () => this.firstPage());
    $('refresh').addEventListener('click', () => void this.refresh());
    $('page-next').addEventListener('click', () => {
      if (!this.nextCursor) return;
      this.cursors.push(this.nextCursor);
      void this.refresh({ counts: false });
    });
    $('page-previous').addEventListener('click', () => {
      if (this.cursors.length > 1) this.cursors.pop();
      void this.refresh({ counts: false });
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && (this.flying || this.inFlight())) void this.refresh();
    });
  }

  /** An ingestion this page just submitted: its next status is announced even if the first page shows it done already. */
  track(id, status) {
    this.statuses.set(id, status);
  }

  /** Called with the collection's name whenever it changes. */
  onCollectionChange(listener) {
    this.listeners.add(listener);
  }

  setCollection(name) {
    if (name === this.collection) return;
    this.collection = name;
    this.statuses.clear();
    sessionStorage.setItem(COLLECTION_STORAGE, name);
    for (const listener of this.listeners) listener(name);
    this.firstPage();
  }

  firstPage() {
    this.cursors = [null];
    void this.refresh();
  }

  current() {
    return this.collections.find((c) => c.name === this.collection);
  }

  inFlight() {
    const counts = this.current()?.ingestions;
    return Boolean(counts && (counts.accepted > 0 || counts.running > 0));
  }

  /**
   * Reads the current page again, and the collections' counts when asked (`counts`), when a row in flight on
   * the page changed, or COUNTS_MS after they were last read: counting a collection's chunks costs more than
   * a page. Polls again soon while anything on the page or in the collection is in flight.
   */
  async refresh({ counts = true } = {}) {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Answers to an older refresh (a slow page after a newer one) are dropped.
    const generation = ++this.generation;
    const limit = Number($('page-size').value);
    let pageInFlight = false;
    try {
      const query = { collection: this.collection, status: this.status, limit, cursor: this.cursors.at(-1) };
      const page = await api('GET', withQuery('/v1/ingest', query));
      if (generation !== this.generation) return;
      // A page emptied by deletes (not the first): step back to the one before.
      if (page.items.length === 0 && this.cursors.length > 1) {
        this.cursors.pop();
        return void this.refresh({ counts });
      }
      const flying = page.items.filter((item) => IN_FLIGHT.has(item.status)).map((item) => `${item.id}:${item.status}`);
      pageInFlight = flying.length > 0;
      const changed = flying.join() !== this.flying;
      this.flying = flying.join();
      if (counts || changed || Date.now() - this.countsReadAt >= COUNTS_MS) {
        const collections = await api('GET', '/v1/collections');
        if (generation !== this.generation) return;
        this.collections = collections.items;
        this.countsReadAt = Date.now();
      }
      this.nextCursor = page.next_cursor;
      this.renderCollections();
      this.renderPage(page.items, limit);
      this.onError('');
    } catch (error) {
      if (generation !== this.generation) return;
      this.onError(`Could not load the documents: ${error.full ?? error.message}`);
    }
    if (generation === this.generation && (pageInFlight || this.inFlight()) && !document.hidden) {
      this.timer = setTimeout(() => void this.refresh({ counts: false }), POLL_MS);
    }
  }

  renderCollections() {
    const select = $('collection');
    const known = this.collections.some((c) => c.name === this.collection);
    const entries = known ? [...this.collections] : [...this.collections, { name: this.collection, ingestions: {}, chunks: 0 }];
    entries.sort((a, b) => a.name.localeCompare(b.name));
    // Options are only replaced when the list of names changes, so a select the user has open stays open.
    const names = entries.map((c) => c.name);
    if (names.join('\n') !== [...select.options].map((o) => o.value).join('\n')) {
      select.replaceChildren(...names.map((name) => h('option', { value: name }, name)));
    }
    entries.forEach((c, i) => (select.options[i].textContent = `${c.name} (${total(c.ingestions).toLocaleString()})`));
    select.value = this.collection;
    const counts = this.current()?.ingestions ?? {};
    const chunks = this.current()?.chunks ?? 0;
    const parts = STATUSES.filter((s) => counts[s] > 0).map((s) => `${counts[s].toLocaleString()} ${s}`);
    $('collection-summary').textContent =
      `${this.collection}: ${plural(total(counts), 'document')}${parts.length ? ` (${parts.join(', ')})` : ''} · ${plural(chunks, 'chunk')}`;
    for (const option of $('status-filter').options) {
      option.textContent = option.value
        ? `${option.value} (${(counts[option.value] ?? 0).toLocaleString()})`
        : `all (${total(counts).toLocaleString()})`;
    }
  }

  renderPage(items, limit) {
    this.announceChanges(items);
    const restoreFocus = keepFocus();
    $('document-rows').replaceChildren(...items.map((item) => this.row(item)));
    restoreFocus();
    $('documents-table').hidden = items.length === 0;
    show(
      $('documents-empty'),
      items.length === 0 ? (this.status ? `No ${this.status} documents in ${this.collection}.` : `No documents in ${this.collection} yet.`) : '',
    );
    const pageIndex = this.cursors.length - 1;
    const counts = this.current()?.ingestions ?? {};
    const of = this.status ? (counts[this.status] ?? 0) : total(counts);
    const first = pageIndex * limit + 1;
    $('page-info').textContent = items.length ? `Page ${pageIndex + 1} · ${first}–${first + items.length - 1} of ${of.toLocaleString()}` : '';
    $('page-previous').disabled = pageIndex === 0;
    $('page-next').disabled = !this.nextCursor;
  }

  /** Tells screen readers when an ingestion on the page changes status. */
  announceChanges(items) {
    const changes = [];
    for (const item of items) {
      const before = this.statuses.get(item.id);
      if (before !== undefined && before !== item.status) changes.push(`${documentName(item)}: ${item.status}`);
      this.statuses.set(item.id, item.status);
    }
    if (changes.length) announce(changes.join('; '));
  }

  row(item) {
    const name = documentName(item);
    const detail = statusDetail(item);
    const done = (message, error, verb) => {
      if (error) this.onError(message);
      else announce(message);
      // The deleted row and its buttons are gone: the keyboard continues from the table's heading.
      if (verb === 'delete') $('documents-heading').focus();
      void this.refresh();
    };
    return h(
      'tr',
      { dataset: { id: item.id, status: item.status } },
      h(
        'td',
        { className: 'document', 'data-label': 'Document' },
        h('a', { href: `#/documents/${item.id}`, className: 'name' }, name),
        h('span', { className: 'id' }, item.id),
      ),
      h(
        'td',
        { className: 'status-cell', 'data-label': 'Status' },
        statusBadge(item.status),
        item.attempts > 1 ? h('span', { className: 'hint' }, ` attempt ${item.attempts}/${item.max_attempts}`) : null,
        item.status === 'running' ? progressOf(item, name) : null,
        detail ? h('span', { className: 'detail', title: detail }, detail) : null,
      ),
      h('td', { className: 'chunks', 'data-label': 'Chunks' }, item.chunk_count ?? ''),
      h('td', { className: 'created', 'data-label': 'Created' }, h('time', { dateTime: item.created_at }, formatTime(item.created_at))),
      h('td', { className: 'actions', 'data-label': 'Actions' }, actionButtons(item, done)),
    );
  }
}
