// Adding documents: pasted text (POST /v1/ingest) and files (POST /v1/ingest/file), into the chosen collection.
// A refused upload is reported at the drop zone, with the service's error code and message.
import { api, uploadFile } from './api.js';
import { $, announce, h, show } from './dom.js';

export class Upload {
  /** `collection()` names the collection to add to; `onAdded(answer)` after each accepted document. */
  constructor({ collection, onAdded }) {
    this.collection = collection;
    this.onAdded = onAdded;
    $('text-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.ingestText();
    });
    const zone = $('drop-zone');
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragging');
      void this.ingestFiles([...e.dataTransfer.files]);
    });
    $('file-input').addEventListener('change', (e) => {
      void this.ingestFiles([...e.target.files]);
      e.target.value = '';
    });
  }

  async ingestText() {
    const field = $('text-input');
    const text = field.value;
    field.removeAttribute('aria-invalid');
    if (!text.trim()) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      return show($('text-error'), 'Paste some text first.');
    }
    const source = $('text-source').value.trim() || 'pasted text';
    const strategy = $('text-strategy').value;
    const button = $('text-form').querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const answer = await api('POST', '/v1/ingest', {
        text,
        collection: this.collection(),
        source_metadata: { source },
        ...(strategy ? { chunking: { strategy } } : {}),
      });
      field.value = '';
      $('text-source').value = '';
      show($('text-error'), '');
      announce(`${source}: ${answer.status}`);
      this.onAdded(answer);
    } catch (error) {
      field.setAttribute('aria-invalid', 'true');
      show($('text-error'), `Not ingested: ${error.code}: ${error.full ?? error.message}`);
    } finally {
      button.disabled = false;
    }
  }

  async ingestFiles(files) {
    const errors = $('drop-errors');
    errors.replaceChildren();
    for (const file of files) {
      const bar = h('progress', { max: 1, value: 0, 'aria-label': `${file.name} upload` });
      const line = h('li', {}, h('span', { className: 'name' }, file.name), ' ', bar);
      $('uploads').append(line);
      try {
        const answer = await uploadFile(file, { collection: this.collection() }, (fraction) => (bar.value = fraction));
        announce(`${file.name}: ${answer.outcome === 'created' ? answer.status : answer.outcome}`);
        this.onAdded(answer);
      } catch (error) {
        errors.append(h('li', { dataset: { code: error.code } }, h('strong', {}, file.name), `: ${error.code}: ${error.full ?? error.message}`));
      } finally {
        line.remove();
      }
    }
  }
}
