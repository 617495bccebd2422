// A paste-or-upload box for a spec file (storage class, policy, QoS policy): JSON or YAML as the CLI reads them, sent
// to the API as written (application/json or application/yaml) so the node's parser and validation decide, and the
// node's refusal is shown under the box in plain words.
import { RawBody } from './api.js';
import { h, errorLine, showError, clearError } from './dom.js';

/** JSON when the text starts with '{' (as `galleonfs ... create FILE` decides), YAML otherwise. */
export function specBody(text) {
  return new RawBody(text.trimStart().startsWith('{') ? 'application/json' : 'application/yaml', text);
}

/**
 * @param id        prefix of the element ids
 * @param what      e.g. "policy" (labels and messages)
 * @param example   placeholder text
 * @param save      async (body, editingName|null) => created/updated object; calls the API
 * @param done      (name, edited) => void, after a successful save
 */
export function specForm({ id, what, example, save, done }) {
  const text = h('textarea', { id: `${id}-spec`, spellcheck: 'false', placeholder: example, rows: 10 });
  const file = h('input', { id: `${id}-file`, type: 'file', accept: '.json,.yaml,.yml,application/json,application/yaml,text/yaml' });
  file.addEventListener('change', async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const error = errorLine();
  const title = h('h2', { id: `${id}-title` }, `Create a ${what}`);
  const submit = h('button', { type: 'submit' }, `Create ${what}`);
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel edit');
  let editing = null;
  const form = h('form', { id: `${id}-form`, 'aria-labelledby': `${id}-title` }, title,
    h('label', { for: `${id}-spec` }, `The ${what} as JSON or YAML (the file the galleonfs CLI reads)`), text,
    h('p', {}, h('label', { for: `${id}-file` }, 'or load a file '), file),
    error, h('p', { class: 'actions' }, submit, cancel));
  function reset() {
    editing = null;
    title.textContent = `Create a ${what}`;
    submit.textContent = `Create ${what}`;
    cancel.hidden = true;
  }
  cancel.addEventListener('click', () => { text.value = ''; clearError(error); reset(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError(error);
    if (!text.value.trim()) { showError(error, `Paste the ${what} or load a file first.`); text.focus(); return; }
    try {
      const saved = await save(specBody(text.value), editing);
      const name = editing || (saved && (saved.name || saved.spec?.name || saved.policy?.name)) || '';
      const edited = Boolean(editing);
      text.value = '';
      reset();
      done(name, edited);
    } catch (err) {
      showError(error, err);
      text.focus();
    }
  });
  return {
    form,
    /** Puts an existing spec (as JSON) in the box; the next save replaces that object. */
    edit(name, spec) {
      editing = name;
      text.value = JSON.stringify(spec, null, 2);
      title.textContent = `Edit ${what} ${name}`;
      submit.textContent = `Save ${what}`;
      cancel.hidden = false;
      clearError(error);
      text.focus();
    },
  };
}

