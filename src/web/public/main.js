// The web console of ingestion-service: plain ES modules over the public API (/v1), nothing loaded from elsewhere.
//   documents.js  the collection switcher and the documents table (paged, live)
//   document-view.js  one document and its chunks        search.js  the search panel
//   upload.js  pasted text and files                     api.js, dom.js  the API client and DOM helpers
import { apiKey } from './api.js';
import { DocumentView } from './document-view.js';
import { Documents } from './documents.js';
import { $, show } from './dom.js';
import { Search } from './search.js';
import { Upload } from './upload.js';

const DOCUMENT_ROUTE = /^#\/documents\/([0-9a-f-]{36})$/i;

const showError = (message) => show($('error'), message);

function setUpKey(reload) {
  const panel = $('key-panel');
  const input = $('api-key');
  input.value = apiKey.get();
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    apiKey.set(input.value.trim());
    show($('key-message'), '');
    panel.open = false;
    reload();
  });
  $('key-forget').addEventListener('click', () => {
    apiKey.set('');
    input.value = '';
    reload();
  });
  apiKey.onUnauthorized((error) => {
    show($('key-message'), apiKey.get() ? `${error.message}: paste another key.` : 'This service needs an API key: paste one here.');
    if (!panel.open) {
      panel.open = true;
      input.focus();
    }
  });
}

document.addEventListener('DOMContentLoaded', () => {
  const documents = new Documents({ onError: showError });
  const view = new DocumentView({ onChange: () => void documents.refresh(), onError: showError });
  new Search({ collection: () => documents.collection });
  new Upload({
    collection: () => documents.collection,
    onAdded: (answer) => {
      documents.track(answer.id, answer.status);
      documents.firstPage();
    },
  });

  const route = () => {
    const id = DOCUMENT_ROUTE.exec(location.hash)?.[1];
    $('documents').hidden = Boolean(id);
    $('add').hidden = Boolean(id);
    $('document-view').hidden = !id;
    if (id) return void view.open(id.toLowerCase());
    view.close();
    void documents.refresh();
  };
  setUpKey(route);
  window.addEventListener('hashchange', route);
  documents.onCollectionChange(() => {
    if (DOCUMENT_ROUTE.test(location.hash)) location.hash = '#/';
  });
  route();
});
