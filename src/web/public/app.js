// The web page of ingestion-service: ingest text or files, watch each ingestion's status, search, delete.
// Plain DOM code over the public API (/v1); no framework and nothing loaded from elsewhere.
'use strict';

const POLL_MS = 700;
const FINAL = new Set(['completed', 'failed']);
const STORAGE_KEY = 'ingestion-service.ingestions';

const $ = (id) => document.getElementById(id);
/** id → { id, source, status, chunks, error, row } */
const ingestions = new Map();
let pollTimer;

function apiKeyHeader() {
  const key = $('api-key').value.trim();
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { ...apiKeyHeader(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(errorText(response.status, payload));
  return payload;
}

function errorText(status, payload) {
  const details = Array.isArray(payload.details) ? ` (${payload.details.map((d) => `${d.field}: ${d.messages.join(', ')}`).join('; ')})` : '';
  return `${payload.message || `HTTP ${status}`}${details}`;
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

function announce(message) {
  $('status-announcer').textContent = message;
}

// ---- ingestions list

function save() {
  const list = [...ingestions.values()].map(({ id, source, status, chunks, error }) => ({ id, source, status, chunks, error }));
  localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
}

function addIngestion(entry) {
  const row = document.createElement('tr');
  row.dataset.id = entry.id;
  row.innerHTML =
    '<td class="source"></td><td><span class="status"></span> <progress hidden></progress></td><td class="chunks"></td><td class="id"></td><td><button type="button" class="secondary">Delete</button></td>';
  row.querySelector('.source').textContent = entry.source;
  row.querySelector('.id').textContent = entry.id;
  row.querySelector('button').setAttribute('aria-label', `Delete ${entry.source}`);
  row.querySelector('button').addEventListener('click', () => void deleteIngestion(entry.id));
  $('ingestion-rows').prepend(row);
  ingestions.set(entry.id, { ...entry, row });
  render(entry.id);
  schedulePoll();
}

function render(id) {
  const entry = ingestions.get(id);
  const status = entry.row.querySelector('.status');
  status.textContent = entry.status;
  status.className = `status status-${entry.status}`;
  status.title = entry.error || '';
  entry.row.querySelector('.chunks').textContent = entry.chunks ?? '';
  entry.row.querySelector('progress').hidden = FINAL.has(entry.status);
  $('ingestions').hidden = ingestions.size === 0;
  $('ingestions-empty').hidden = ingestions.size > 0;
  save();
}

function setStatus(id, status, chunks, error) {
  const entry = ingestions.get(id);
  if (!entry) return;
  const changed = entry.status !== status;
  Object.assign(entry, { status, chunks, error });
  render(id);
  if (changed) announce(`${entry.source}: ${status}${error ? ` (${error})` : ''}`);
}

function schedulePoll() {
  clearTimeout(pollTimer);
  if ([...ingestions.values()].some((e) => !FINAL.has(e.status))) pollTimer = setTimeout(() => void poll(), POLL_MS);
}

async function poll() {
  const pending = [...ingestions.values()].filter((e) => !FINAL.has(e.status));
  await Promise.all(
    pending.map(async (entry) => {
      try {
        const status = await api('GET', `/v1/status/${entry.id}`);
        setStatus(entry.id, status.status, status.chunk_count, status.error);
      } catch (error) {
        setStatus(entry.id, 'failed', undefined, error.message);
      }
    }),
  );
  schedulePoll();
}

async function deleteIngestion(id) {
  const entry = ingestions.get(id);
  try {
    await api('DELETE', `/v1/ingest/${id}`);
    entry.row.remove();
    ingestions.delete(id);
    $('ingestions').hidden = ingestions.size === 0;
    $('ingestions-empty').hidden = ingestions.size > 0;
    save();
    announce(`${entry.source} deleted`);
    showError('');
  } catch (error) {
    showError(`Could not delete ${entry.source}: ${error.message}`);
  }
}

// ---- adding documents

async function ingestText(event) {
  event.preventDefault();
  const text = $('text-input').value;
  const source = $('text-source').value.trim() || 'pasted text';
  try {
    const accepted = await api('POST', '/v1/ingest', { text, source_metadata: { source } });
    addIngestion({ id: accepted.id, source, status: accepted.status });
    $('text-input').value = '';
    showError('');
  } catch (error) {
    showError(`Could not ingest the text: ${error.message}`);
  }
}

/** Uploads one file with XMLHttpRequest, whose upload events give a byte progress that fetch does not. */
function uploadFile(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/v1/ingest/file');
    for (const [name, value] of Object.entries(apiKeyHeader())) request.setRequestHeader(name, value);
    request.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    request.addEventListener('load', () => {
      const payload = JSON.parse(request.responseText || '{}');
      if (request.status === 202) resolve(payload);
      else reject(new Error(errorText(request.status, payload)));
    });
    request.addEventListener('error', () => reject(new Error('network error')));
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
  });
}

async function ingestFiles(files) {
  const problems = [];
  for (const file of files) {
    const row = document.createElement('tr');
    row.innerHTML =
      '<td class="source"></td><td><span class="status">uploading</span> <progress max="1" value="0"></progress></td><td></td><td></td><td></td>';
    row.querySelector('.source').textContent = file.name;
    $('ingestion-rows').prepend(row);
    $('ingestions').hidden = false;
    $('ingestions-empty').hidden = true;
    try {
      const accepted = await uploadFile(file, (fraction) => (row.querySelector('progress').value = fraction));
      row.remove();
      addIngestion({ id: accepted.id, source: file.name, status: accepted.status });
    } catch (error) {
      row.remove();
      problems.push(`${file.name}: ${error.message}`);
    }
  }
  showError(problems.length ? `Not ingested: ${problems.join('; ')}` : '');
}

function setUpDropZone() {
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    void ingestFiles([...e.dataTransfer.files]);
  });
  $('file-input').addEventListener('change', (e) => {
    void ingestFiles([...e.target.files]);
    e.target.value = '';
  });
}

// ---- search

async function search(event) {
  event.preventDefault();
  const query = $('search-input').value;
  const list = $('search-results');
  try {
    const { results } = await api('POST', '/v1/search', { query, top_k: Number($('search-top-k').value) });
    list.replaceChildren(...results.map(resultItem));
    $('search-summary').textContent = `${results.length} result${results.length === 1 ? '' : 's'} for “${query}”`;
    showError('');
  } catch (error) {
    showError(`Search failed: ${error.message}`);
  }
}

function resultItem(hit) {
  const item = document.createElement('li');
  const meta = document.createElement('div');
  meta.className = 'meta';
  const source = hit.source_metadata?.source ?? hit.source_metadata?.file_name ?? hit.ingestion_id;
  const page = hit.chunk_metadata?.page;
  const pages = page === undefined ? '' : ` · page ${page}${hit.chunk_metadata.page_end ? `–${hit.chunk_metadata.page_end}` : ''}`;
  meta.textContent = `score ${hit.score.toFixed(3)} · ${source}${pages} · chunk ${hit.chunk_index}`;
  const text = document.createElement('p');
  text.className = 'chunk';
  text.textContent = hit.chunk_text;
  item.append(meta, text);
  return item;
}

// ---- start

function restore() {
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || '[]');
  } catch {
    saved = [];
  }
  for (const entry of saved.reverse()) addIngestion(entry);
}

document.addEventListener('DOMContentLoaded', () => {
  $('api-key').value = sessionStorage.getItem('ingestion-service.api-key') || '';
  $('api-key').addEventListener('change', () => sessionStorage.setItem('ingestion-service.api-key', $('api-key').value));
  $('text-form').addEventListener('submit', (e) => void ingestText(e));
  $('search-form').addEventListener('submit', (e) => void search(e));
  setUpDropZone();
  restore();
});
