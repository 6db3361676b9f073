/* The inspector's report form keeps a draft on the device when it cannot be sent (offline, or the
   network fails during the send) and sends it when the device is online again.

   The draft (text fields, ticks and the chosen photos, as Blobs) is kept in IndexedDB under the
   signed-in user and the form it was written in (the file code and the request it is for). It is sent
   with the CSRF token of the page and with the version the form was drawn with (the hidden field
   "version"): when a report was recorded on the file meanwhile the server refuses it with its
   conflict message, the draft stays and the form shows the server's reasons. It is removed only when
   the server has accepted it (answered with the report's page).
*/
(() => {
  const DB_NAME = "inspection-drafts";
  const STORE = "drafts";
  const RETRY_MS = 15000;

  function database() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: "key" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async function store(mode, action) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request && request.result);
      tx.onerror = () => reject(tx.error);
    });
  }

  const draftGet = (key) => store("readonly", (s) => s.get(key));
  const draftPut = (draft) => store("readwrite", (s) => s.put(draft));
  const draftDelete = (key) => store("readwrite", (s) => s.delete(key));

  let panel = document.querySelector("[data-draft-panel]");
  if (!panel || !("indexedDB" in window)) return;
  const settings = panel.dataset;
  let form = panel.querySelector("form");
  const key = [settings.draftUser, form.elements.made_for.defaultValue, form.elements.file_code.defaultValue].join("|");
  let sending = false;

  function status(text, kind) {
    const box = panel.querySelector("[data-testid=draft-status]");
    box.hidden = !text;
    box.textContent = text || "";
    box.className = kind || "notice";
    panel.querySelector("[data-testid=draft-discard]").hidden = !text || kind === "sending";
  }

  // The form's fields as [name, value] pairs (no CSRF token: the page's own is sent), photos as Files.
  async function collect() {
    const fields = [];
    const files = [];
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken") continue;
      if (value instanceof File) {
        if (value.size || value.name) files.push([name, value]);
      } else fields.push([name, value]);
    }
    if (!files.length) {
      const kept = await draftGet(key).catch(() => null);
      if (kept) files.push(...kept.files); // the draft's photos, when none were chosen again
    }
    return { key, user: settings.draftUser, savedAt: new Date().toISOString(), fields, files };
  }

  function restore(draft) {
    const values = new Map();
    for (const [name, value] of draft.fields) values.set(name, value);
    for (const element of form.elements) {
      if (!element.name || element.type === "hidden" || element.type === "file") continue;
      if (element.type === "checkbox") element.checked = values.has(element.name);
      else if (values.has(element.name)) element.value = values.get(element.name);
    }
    const photos = panel.querySelector("[data-testid=draft-photos]");
    photos.hidden = !draft.files.length;
    photos.textContent = draft.files.length ? settings.draftPhotos.replace("{n}", draft.files.length.toLocaleString(document.documentElement.lang)) : "";
  }

  async function keep(draft) {
    try {
      await draftPut(draft);
      restore(draft);
      status(settings.draftSaved, "notice");
    } catch (error) {
      status(settings.draftNotKept, "error");
    }
  }

  // The server's answer (400 with the reasons, or the conflict) replaces the form in place.
  function showAnswer(html) {
    const answer = new DOMParser().parseFromString(html, "text/html").querySelector("[data-draft-panel]");
    if (!answer) return false;
    const fresh = document.importNode(answer, true);
    panel.replaceWith(fresh);
    panel = fresh;
    form = panel.querySelector("form");
    form.addEventListener("submit", submitted);
    panel.querySelector("[data-testid=draft-discard]").addEventListener("click", discard);
    return true;
  }

  async function send(draft, fromDraft) {
    if (sending) return;
    sending = true;
    const body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    for (const [name, value] of draft.fields) body.append(name, value);
    for (const [name, file] of draft.files) body.append(name, file, file.name);
    if (fromDraft) status(settings.draftSending, "sending");
    let response;
    try {
      response = await fetch(form.action || location.href, { method: "POST", body, credentials: "same-origin" });
    } catch (error) {
      sending = false;
      await keep(draft); // no network: kept, sent when online
      return;
    }
    sending = false;
    const landed = new URL(response.url).pathname;
    if (response.ok && response.redirected && !landed.startsWith(settings.draftLogin)) {
      await draftDelete(key).catch(() => null);
      location.assign(response.url); // the report's page
      return;
    }
    // Refused: the reasons in the form; a draft stays kept until it is accepted or discarded.
    const html = response.status === 400 ? await response.text() : "";
    if (!showAnswer(html) && response.status !== 400) {
      if (!fromDraft) await draftPut(draft).catch(() => null);
      status(landed.startsWith(settings.draftLogin) ? settings.draftSignIn : settings.draftRefused, "error");
      return;
    }
    if (fromDraft) {
      draft.refused = true;
      await draftPut(draft).catch(() => null);
      restore(draft);
      status(settings.draftRefused, "error");
    }
  }

  async function submitted(event) {
    event.preventDefault();
    const draft = await collect();
    if (!navigator.onLine) {
      await keep(draft);
      return;
    }
    await send(draft, false);
  }

  async function sendKept() {
    if (!navigator.onLine || sending) return;
    const draft = await draftGet(key).catch(() => null);
    if (draft && !draft.refused) await send(draft, true);
  }

  async function discard() {
    await draftDelete(key).catch(() => null);
    status("");
    panel.querySelector("[data-testid=draft-photos]").hidden = true;
  }

  form.addEventListener("submit", submitted);
  panel.querySelector("[data-testid=draft-discard]").addEventListener("click", discard);
  window.addEventListener("online", sendKept);
  setInterval(sendKept, RETRY_MS);
  draftGet(key)
    .then((draft) => {
      if (!draft) return;
      restore(draft);
      status(draft.refused ? settings.draftRefused : settings.draftSaved, draft.refused ? "error" : "notice");
      return sendKept();
    })
    .catch(() => null)
    .finally(() => {
      panel.dataset.draftReady = "true";
    });
})();
