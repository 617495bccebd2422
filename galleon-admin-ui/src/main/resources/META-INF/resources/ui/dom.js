// Builds DOM from data with textContent only, so API values never become markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function table(headers, rows, caption) {
  // The wrapper scrolls sideways on a narrow screen, so it takes keyboard focus (arrow keys scroll it).
  return h('div', { class: 'table-wrap', tabindex: 0 },
    h('table', {}, caption ? h('caption', { class: 'muted' }, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t || h('span', { class: 'sr-only' }, 'Actions'))))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'none')))));
}

export function stateBadge(state) {
  return h('span', { class: `state-${String(state).toLowerCase()}` }, state);
}

export function bytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Number(n);
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Shows a message at the top of the page: errors by default, or info. */
export function flash(message, kind = 'error') {
  const el = document.getElementById('flash');
  el.textContent = message;
  el.className = kind === 'info' ? 'info' : '';
  el.hidden = !message;
}

/** A form's error line, next to what caused it. */
export function errorLine() {
  return h('p', { class: 'error', role: 'alert', hidden: true });
}

export function showError(line, err) {
  line.textContent = err && err.readable ? err.readable : String(err && err.message ? err.message : err);
  line.hidden = false;
}

export function clearError(line) { line.textContent = ''; line.hidden = true; }

/**
 * Asks the user to type `name` to confirm a destructive action; resolves true only when they did and confirmed.
 */
export function confirmTyped(what, name) {
  return new Promise((resolve) => {
    const input = h('input', { id: 'confirm-name', autocomplete: 'off', spellcheck: 'false' });
    const ok = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, `Delete ${what} ${name}?`),
        h('p', {}, 'This cannot be undone. Type the name to confirm.'),
        h('label', { for: 'confirm-name' }, `Name of the ${what}`), ' ', input,
        h('p', { class: 'actions' }, ok, cancel)));
    input.addEventListener('input', () => { ok.disabled = input.value !== name; });
    let confirmed = false;
    ok.addEventListener('click', () => { confirmed = input.value === name; });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(confirmed); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
