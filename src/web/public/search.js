// The search panel: POST /v1/search in the chosen collection, results with the query's words marked, and the
// same text found more than once (the same document ingested twice, say) shown as one group.
import { api } from './api.js';
import { $, documentName, h, headingsOf, highlighted, pagesOf, queryTerms, show } from './dom.js';

/** The metadata filter as the API takes it: a JSON object, or undefined when the field is empty. */
export function parseMetadataFilter(text) {
  if (!text.trim()) return undefined;
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`The metadata filter is not valid JSON: ${error.message}`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error('The metadata filter must be a JSON object, e.g. {"team": "ops"}');
  return value;
}

/** Results with the same chunk text, in the order of their best rank; each hit keeps its rank (from 1). */
export function groupResults(results) {
  const groups = new Map();
  results.forEach((hit, index) => {
    const group = groups.get(hit.chunk_text) ?? { text: hit.chunk_text, hits: [] };
    group.hits.push({ ...hit, rank: index + 1 });
    groups.set(hit.chunk_text, group);
  });
  return [...groups.values()];
}

export class Search {
  /** `collection()` names the collection to search. */
  constructor({ collection }) {
    this.collection = collection;
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.run();
    });
  }

  fieldError(field, message) {
    field?.setAttribute('aria-invalid', 'true');
    show($('search-error'), message);
    field?.focus();
  }

  async run() {
    const queryField = $('search-input');
    const metadataField = $('search-metadata');
    const topKField = $('search-top-k');
    for (const field of [queryField, metadataField, topKField]) field.removeAttribute('aria-invalid');
    show($('search-error'), '');
    const query = queryField.value.trim();
    if (!query) return this.fieldError(queryField, 'Type something to search for.');
    const topK = Number(topKField.value);
    if (!Number.isInteger(topK) || topK < 1 || topK > 100) return this.fieldError(topKField, 'Results must be a whole number from 1 to 100.');
    let metadata;
    try {
      metadata = parseMetadataFilter(metadataField.value);
    } catch (error) {
      return this.fieldError(metadataField, error.message);
    }
    const mode = $('search-mode').value;
    const collection = this.collection();
    const button = $('search-form').querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const answer = await api('POST', '/v1/search', { query, mode, top_k: topK, collection, ...(metadata ? { metadata } : {}) });
      this.render(query, collection, answer);
    } catch (error) {
      const fields = Array.isArray(error.details) ? error.details.map((d) => d.field) : [];
      const field = fields.includes('metadata') ? metadataField : fields.includes('query') ? queryField : undefined;
      this.fieldError(field, `Search failed: ${error.full ?? error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  render(query, collection, { mode, results, hint }) {
    const groups = groupResults(results);
    const repeated = results.length - groups.length;
    const summary = `${results.length} result${results.length === 1 ? '' : 's'} for “${query}” in ${collection} (${mode})`;
    $('search-summary').textContent =
      results.length === 0 ? `${summary}${hint ? `: ${hint}` : ''}` : repeated > 0 ? `${summary}, ${groups.length} distinct texts` : summary;
    const terms = queryTerms(query);
    $('search-results').replaceChildren(...groups.map((group) => resultGroup(group, terms)));
  }
}

function resultGroup(group, terms) {
  const repeated = group.hits.length > 1;
  const first = group.hits[0];
  return h(
    'li',
    { className: repeated ? 'result repeated' : 'result', value: first.rank },
    repeated
      ? h('p', { className: 'repeat-note' }, `Same text in ${group.hits.length} results: #${group.hits.map((hit) => hit.rank).join(', #')}`)
      : null,
    h('ul', { className: 'hits' }, group.hits.map(hitLine)),
    h('p', { className: 'chunk-text' }, highlighted(group.text, terms)),
  );
}

function hitLine(hit) {
  const where = [headingsOf(hit.chunk_metadata), pagesOf(hit.chunk_metadata), `chunk ${hit.chunk_index}`].filter(Boolean).join(' · ');
  const scores = Object.entries(hit.scores || {})
    .map(([retriever, score]) => `${retriever} ${score.toFixed(3)}`)
    .join(', ');
  return h(
    'li',
    { className: 'meta' },
    h('span', { className: 'rank' }, `#${hit.rank}`),
    ' ',
    h('a', { href: `#/documents/${hit.ingestion_id}` }, documentName({ id: hit.ingestion_id, source_metadata: hit.source_metadata })),
    ` · ${where} · score ${hit.score.toFixed(3)}`,
    scores ? h('span', { className: 'hint' }, ` (${scores})`) : null,
  );
}
