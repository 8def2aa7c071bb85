// The hypertx page: class cards → POST /v1/compile → files to download → POST /v1/compiled/{id}/classify.
// Plain JavaScript with no build step and nothing loaded from elsewhere (the server's CSP allows only itself).
'use strict';

const $ = (selector, root = document) => root.querySelector(selector);
const state = {
  classes: [], // { card, files: File[] }
  unlabeled: [],
  result: undefined,
  limits: undefined,
  token: sessionStorage.getItem('hypertx-token') || '',
  drawings: 0,
};

// ---- talking to the server --------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || { code: `HTTP_${status}`, message: `HTTP ${status}` };
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.hint = error.hint;
    this.field = error.field;
    this.file = error.file;
  }
}

async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}) };
  const response = await fetch(path, { ...options, headers });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 401) $('#token-form').hidden = false;
    throw new ApiError(response.status, body);
  }
  return body;
}

function showError(err) {
  const banner = $('#banner');
  if (!err) {
    banner.hidden = true;
    return;
  }
  banner.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = err.code ? `${err.code}: ` : 'Error: ';
  banner.append(title, document.createTextNode(err.message));
  const where = [err.field && `field ${err.field}`, err.file && `file ${err.file}`].filter(Boolean).join(', ');
  if (where) banner.append(document.createTextNode(` (${where})`));
  if (err.hint) {
    const hint = document.createElement('div');
    hint.className = 'hint';
    hint.textContent = err.hint;
    banner.append(hint);
  }
  banner.hidden = false;
}

// ---- drawing pads -----------------------------------------------------------------------------

/**
 * A canvas to draw on with the mouse, a pen or a finger. `ink` is 'bright' (white chalk on black, as
 * the models were trained on) or 'dark' (black pen on white).
 */
function makePad(canvas, ink = 'bright') {
  const ctx = canvas.getContext('2d');
  let drawing = false;
  let dirty = false;
  let last;
  const pad = {
    ink,
    clear() {
      ctx.fillStyle = pad.ink === 'dark' ? '#ffffff' : '#000000';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      dirty = false;
    },
    get dirty() {
      return dirty;
    },
    toFile(name) {
      return new Promise((resolve) => canvas.toBlob((blob) => resolve(new File([blob], name, { type: 'image/png' })), 'image/png'));
    },
  };
  const point = (event) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((event.clientX - r.left) * canvas.width) / r.width, y: ((event.clientY - r.top) * canvas.height) / r.height };
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    last = point(event);
    canvas.setPointerCapture(event.pointerId);
    stroke(last, last);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const p = point(event);
    stroke(last, p);
    last = p;
  });
  const stop = () => {
    drawing = false;
  };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  function stroke(a, b) {
    // About the stroke width of the training drawings once scaled to the model's 28–32 px input.
    ctx.strokeStyle = pad.ink === 'dark' ? '#111111' : '#ffffff';
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    dirty = true;
  }
  pad.clear();
  return pad;
}

// ---- images in cards --------------------------------------------------------------------------

function acceptDrops(zone, onFiles) {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    onFiles([...event.dataTransfer.files].filter((f) => f.type.startsWith('image/')));
  });
}

function renderThumbs(container, files, onRemove) {
  container.replaceChildren(
    ...files.map((file, i) => {
      const figure = document.createElement('figure');
      figure.className = 'thumb';
      const img = document.createElement('img');
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      img.title = file.name;
      img.onload = () => URL.revokeObjectURL(img.src);
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'icon';
      remove.textContent = '×';
      remove.title = `remove ${file.name}`;
      remove.onclick = () => onRemove(i);
      figure.append(img, remove);
      return figure;
    }),
  );
}

function addClass(name) {
  const card = $('#class-template').content.firstElementChild.cloneNode(true);
  const entry = { card, files: [] };
  state.classes.push(entry);
  const input = $('.class-name', card);
  input.value = name ?? `class ${state.classes.length}`;
  const render = () => {
    renderThumbs($('.thumbs', card), entry.files, (i) => {
      entry.files.splice(i, 1);
      render();
    });
    $('.count', card).textContent = String(entry.files.length);
  };
  const add = (files) => {
    entry.files.push(...files);
    render();
  };
  $('.class-files', card).addEventListener('change', (event) => {
    add([...event.target.files]);
    event.target.value = '';
  });
  acceptDrops($('.drop', card), add);
  const pad = makePad($('canvas', card));
  $('.add-drawing', card).onclick = async () => {
    if (!pad.dirty) return;
    add([await pad.toFile(`drawing-${++state.drawings}.png`)]);
    pad.clear();
  };
  $('.clear-drawing', card).onclick = () => pad.clear();
  $('.remove', card).onclick = () => {
    state.classes.splice(state.classes.indexOf(entry), 1);
    card.remove();
  };
  $('#classes').append(card);
  return entry;
}

function setupUnlabeled() {
  const render = () => {
    renderThumbs($('#unlabeled-thumbs'), state.unlabeled, (i) => {
      state.unlabeled.splice(i, 1);
      render();
    });
    $('#unlabeled-count').textContent = String(state.unlabeled.length);
  };
  const add = (files) => {
    state.unlabeled.push(...files);
    render();
  };
  $('#unlabeled-files').addEventListener('change', (event) => {
    add([...event.target.files]);
    event.target.value = '';
  });
  acceptDrops($('#unlabeled-drop'), add);
}

// ---- compile ----------------------------------------------------------------------------------

async function compileClasses() {
  showError(undefined);
  const form = new FormData();
  const names = new Set();
  for (const entry of state.classes) {
    const name = $('.class-name', entry.card).value.trim();
    if (!name) return showError({ message: 'every class needs a name' });
    if (names.has(name)) return showError({ message: `two classes are called "${name}"` });
    if (entry.files.length === 0) return showError({ message: `class "${name}" has no images: drop some or draw one` });
    names.add(name);
    for (const file of entry.files) form.append(`class:${name}`, file, file.name);
  }
  if (names.size < 2) return showError({ message: 'a classifier needs at least two classes' });
  for (const file of state.unlabeled) form.append('unlabeled', file, file.name);
  const formats = [...document.querySelectorAll('#formats input:checked')].map((i) => i.value);
  if (formats.length === 0) return showError({ message: 'pick at least one format' });
  form.append('formats', formats.join(','));
  form.append('model', $('#model').value);

  const button = $('#compile');
  button.disabled = true;
  $('#status').textContent = 'Compiling…';
  const started = performance.now();
  try {
    const result = await api('/v1/compile', { method: 'POST', body: form });
    state.result = result;
    $('#status').textContent = `Compiled in ${Math.round(performance.now() - started)} ms`;
    renderResult(result);
  } catch (err) {
    $('#status').textContent = '';
    showError(err);
  } finally {
    button.disabled = false;
  }
}

function formatBytes(n) {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} kB`;
}

function download(file) {
  const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mediaType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function renderResult(result) {
  $('#results').hidden = false;
  $('#try').hidden = false;
  const verified = result.verified ? 'every file verified' : 'verification failed';
  $('#summary').textContent =
    `${result.labels.length} classes (${result.labels.join(', ')}), ${result.images.labelled} labelled` +
    (result.images.unlabeled ? ` + ${result.images.unlabeled} unlabelled` : '') +
    ` images, ${result.ink === 'dark' ? 'dark ink on light' : 'light ink on dark'}; ${verified}. ` +
    `Generate ${Math.round(result.timingsMs.generate)} ms, export and verify ${Math.round(result.timingsMs.exportAndVerify)} ms.`;
  $('#files').replaceChildren(
    ...result.formats.map((format) => {
      const row = document.createElement('tr');
      const cell = (text, className) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (className) td.className = className;
        return td;
      };
      const v = format.verification;
      const check = cell(v ? `${v.ok ? '✓' : '✗'} ${v.runtime}: ${v.summary}` : 'not verified', v && v.ok ? 'ok' : 'bad');
      const links = document.createElement('td');
      for (const file of format.files) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'secondary download';
        button.dataset.file = file.name;
        button.textContent = `↓ ${file.name}`;
        button.onclick = () => download(file);
        links.append(button);
      }
      row.append(cell(format.name), cell(formatBytes(format.bytes), 'num'), check, links);
      return row;
    }),
  );
  // The query pad draws like the support images, so the model sees what it was built for.
  queryPad.ink = result.ink;
  queryPad.clear();
  $('#probabilities').replaceChildren();
  $('#query-top').textContent = '';
  $('#query-preview').hidden = true;
  $('#results').scrollIntoView({ block: 'start' });
}

// ---- try it -----------------------------------------------------------------------------------

let queryPad;

async function classify(file) {
  if (!state.result) return;
  showError(undefined);
  const preview = $('#query-preview');
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  const form = new FormData();
  form.append('image', file, file.name);
  try {
    const answer = await api(`/v1/compiled/${state.result.id}/classify`, { method: 'POST', body: form });
    renderProbabilities(answer);
  } catch (err) {
    showError(err);
  }
}

function renderProbabilities(answer) {
  const order = answer.labels.map((label, i) => ({ label, p: answer.probabilities[i] })).sort((a, b) => b.p - a.p);
  $('#query-top').textContent = `${answer.top.label} (${(answer.top.probability * 100).toFixed(1)} %)`;
  $('#probabilities').replaceChildren(
    ...order.map(({ label, p }) => {
      const li = document.createElement('li');
      li.className = 'bar';
      li.dataset.label = label;
      const name = document.createElement('span');
      name.className = 'bar-label';
      name.textContent = label;
      const track = document.createElement('span');
      track.className = 'bar-track';
      const fill = document.createElement('span');
      fill.className = 'bar-fill';
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      track.append(fill);
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = `${(p * 100).toFixed(1)} %`;
      li.append(name, track, value);
      return li;
    }),
  );
}

function setupTry() {
  queryPad = makePad($('#query-pad'));
  $('#query-clear').onclick = () => queryPad.clear();
  $('#query-classify').onclick = async () => {
    if (queryPad.dirty) await classify(await queryPad.toFile('query-drawing.png'));
  };
  $('#query-file').addEventListener('change', (event) => {
    const file = event.target.files[0];
    event.target.value = '';
    if (file) classify(file);
  });
  acceptDrops($('#query-drop'), (files) => files[0] && classify(files[0]));
}

// ---- start ------------------------------------------------------------------------------------

async function loadServerInfo() {
  const info = await api('/v1/models');
  state.limits = info.limits;
  const select = $('#model');
  select.replaceChildren(
    ...info.models.map((m) => {
      const option = document.createElement('option');
      option.value = m.name;
      option.textContent = m.metadata && m.metadata.validation ? `${m.name} (${m.image.height}×${m.image.width})` : m.name;
      option.title = m.accepts;
      option.selected = m.name === info.default;
      return option;
    }),
  );
  const describe = () => {
    const m = info.models.find((x) => x.name === select.value);
    $('#accepts').textContent = m ? `${m.name} accepts ${m.accepts}` : '';
  };
  select.onchange = describe;
  describe();
  const fieldset = $('#formats');
  fieldset.replaceChildren(fieldset.firstElementChild);
  for (const format of info.formats) {
    const label = document.createElement('label');
    label.className = 'format-option';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = format.id;
    box.checked = format.id === 'onnx' || format.id === 'tflite';
    label.append(box, document.createTextNode(` ${format.name}`));
    fieldset.append(label);
  }
}

function setupToken() {
  $('#token').value = state.token;
  $('#token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    state.token = $('#token').value.trim();
    sessionStorage.setItem('hypertx-token', state.token);
    try {
      await loadServerInfo();
      $('#token-form').hidden = true;
      showError(undefined);
    } catch (err) {
      showError(err);
    }
  });
}

document.addEventListener('DOMContentLoaded', async () => {
  setupToken();
  setupUnlabeled();
  setupTry();
  addClass();
  addClass();
  $('#add-class').onclick = () => addClass();
  $('#compile').onclick = compileClasses;
  try {
    await loadServerInfo();
    document.body.dataset.ready = 'true';
  } catch (err) {
    showError(err);
    document.body.dataset.ready = 'true';
  }
});
