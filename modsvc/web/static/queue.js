// Review queue: keyboard shortcuts, decisions without page reloads, undo, bulk selection, context panel.
// Comment text never passes through this script: the server renders (and escapes) all of it.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // Counts that were too slow to compute within the page's time budget arrive in a second request.
  const tabs = document.querySelector("nav.tabs[data-counts-url]");
  if (tabs) {
    fetch(tabs.dataset.countsUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then((res) => (res.ok ? res.json() : null))
      .then((counts) => {
        if (!counts) return;
        for (const [tab, n] of Object.entries(counts)) {
          const el = document.querySelector('[data-tab-count="' + tab + '"]');
          if (el) el.textContent = String(n);
        }
      });
  }

  const list = document.getElementById("items") || document.querySelector(".items");
  if (!list) return;
  const items = () => Array.from(list.querySelectorAll(".item"));
  const toast = document.getElementById("toast");
  const rejectDialog = document.getElementById("reject-dialog");
  const helpDialog = document.getElementById("help-dialog");
  const bulkbar = document.getElementById("bulkbar");
  const undoStack = [];  // {id, version} of this page's own decisions, newest last
  let current = -1;
  let toastTimer = null;

  function showToast(text, isError, undoable) {
    if (!toast) return;
    toast.textContent = text;
    toast.classList.toggle("error", !!isError);
    if (undoable) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "linklike"; b.textContent = "Undo (u)";
      b.addEventListener("click", undoLast);
      toast.appendChild(b);
    }
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, isError ? 8000 : 5000);
  }

  function focusItem(i) {
    const all = items();
    if (!all.length) return;
    current = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((el, k) => el.classList.toggle("current", k === current));
    all[current].focus({preventScroll: true});
    all[current].scrollIntoView({block: "nearest", behavior: "smooth"});
  }
  const currentItem = () => items()[current] || null;

  function nextOpen(from) {
    const all = items();
    for (let k = from + 1; k < all.length; k++) if (!all[k].classList.contains("decided")) return k;
    return Math.min(from + 1, all.length - 1);
  }

  async function post(url, body) {
    const res = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (e) { data = {error: "Unexpected answer from the server (" + res.status + ")."}; }
    return {ok: res.ok, status: res.status, data};
  }

  // Every tab showing this status ("held" counts under Held and under Waiting); "All" never changes.
  function bumpCount(status, delta) {
    document.querySelectorAll("nav.tabs [data-statuses]").forEach((tab) => {
      if (!tab.dataset.statuses.split(" ").includes(status)) return;
      const el = tab.querySelector("[data-tab-count]");
      const n = el ? parseInt(el.textContent, 10) : NaN;
      if (!Number.isNaN(n)) el.textContent = String(Math.max(0, n + delta));
    });
  }

  function setStatus(item, status, version) {
    item.dataset.status = status;
    item.dataset.version = String(version);
    item.querySelectorAll('input[name="version"]').forEach((v) => { v.value = String(version); });
    const pick = item.querySelector(".pick");
    if (pick) pick.value = item.dataset.id + ":" + version;
    const badge = item.querySelector('[data-role="status"]');
    if (badge) { badge.textContent = status; badge.className = "status status-" + status; }
  }

  function message(item, text, kind) {
    const m = item.querySelector(".item-msg");
    m.textContent = text;
    item.classList.toggle("conflict", kind === "conflict");
  }

  function applyResult(item, res, verb) {
    if (res.ok) {
      bumpCount(res.data.old_status, -1);
      bumpCount(res.data.status, +1);
      setStatus(item, res.data.status, res.data.version);
      item.classList.add("decided");
      unselect(item);
      message(item, verb + " — now " + res.data.status + ".", "ok");
      undoStack.push({id: item.dataset.id, version: res.data.version});
      return true;
    }
    if (res.status === 409) {
      if (res.data.status) setStatus(item, res.data.status, res.data.version);
      item.classList.add("decided");
      unselect(item);
      message(item, res.data.error, "conflict");
    } else {
      message(item, res.data.error || "Failed.", "conflict");
    }
    showToast(res.data.error || "Failed.", true);
    return false;
  }

  async function decide(item, action, reason, note) {
    if (!item || item.classList.contains("decided")) return;
    const res = await post("/queue/" + item.dataset.id + "/decide",
      {action, version: parseInt(item.dataset.version, 10), reason: reason || null, note: note || null});
    const verbs = {approve: "Approved", reject: "Rejected", escalate: "Escalated"};
    if (applyResult(item, res, verbs[action])) {
      showToast(verbs[action] + " comment " + item.dataset.id + ".", false, true);
      const all = items();
      const idx = all.indexOf(item);
      if (idx === current) focusItem(nextOpen(idx));
    }
  }

  async function undoLast() {
    const last = undoStack.pop();
    // Nothing decided on this page yet (e.g. after a reload): the server undoes your latest standing decision.
    const res = last ? await post("/queue/" + last.id + "/undo", {version: last.version})
                     : await post("/queue/undo-last", {});
    const id = last ? last.id : res.data.comment_id;
    const item = id ? document.getElementById("c" + id) : null;
    if (!item) {
      if (res.ok) { bumpCount(res.data.old_status, -1); bumpCount(res.data.status, +1); }
      showToast(res.ok ? "Undone: comment " + id + " is " + res.data.status + " again." : (res.data.error || "Undo failed."), !res.ok);
      return;
    }
    if (res.ok) {
      bumpCount(res.data.old_status, -1);
      bumpCount(res.data.status, +1);
      setStatus(item, res.data.status, res.data.version);
      item.classList.remove("decided", "conflict");
      message(item, "Undone — back to " + res.data.status + ".", "ok");
      focusItem(items().indexOf(item));
      showToast("Undone: comment " + id + " is " + res.data.status + " again.");
    } else {
      message(item, res.data.error || "Undo failed.", "conflict");
      showToast(res.data.error || "Undo failed.", true);
    }
  }

  // ----- reject dialog --------------------------------------------------------------------------------------
  let rejectTarget = null;
  function openReject(item) {
    if (!item || item.classList.contains("decided") || !rejectDialog) return;
    rejectTarget = item;
    const inline = item.querySelector(".reject-inline select");
    const reason = inline ? inline.value : null;
    rejectDialog.querySelectorAll('input[name="reason"]').forEach((r) => { r.checked = r.value === reason; });
    if (!rejectDialog.querySelector('input[name="reason"]:checked')) rejectDialog.querySelector('input[name="reason"]').checked = true;
    rejectDialog.querySelector("textarea").value = "";
    document.getElementById("reject-id").textContent = "#" + item.dataset.id;
    rejectDialog.showModal();
    rejectDialog.querySelector('input[name="reason"]:checked').focus();
  }
  if (rejectDialog) {
    rejectDialog.addEventListener("keydown", (ev) => {
      if (ev.target.tagName === "TEXTAREA") {
        if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); submitReject(); }
        return;
      }
      const n = parseInt(ev.key, 10);
      const radios = rejectDialog.querySelectorAll('input[name="reason"]');
      if (n >= 1 && n <= radios.length) { radios[n - 1].checked = true; radios[n - 1].focus(); ev.preventDefault(); }
      else if (ev.key === "Enter") { ev.preventDefault(); submitReject(); }
    });
    rejectDialog.querySelector("form").addEventListener("submit", (ev) => { ev.preventDefault(); submitReject(); });
  }
  function submitReject() {
    const reason = rejectDialog.querySelector('input[name="reason"]:checked').value;
    const note = rejectDialog.querySelector("textarea").value;
    rejectDialog.close();
    if (rejectTarget) decide(rejectTarget, "reject", reason, note);
    rejectTarget = null;
  }
  document.querySelectorAll("dialog [data-close]").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));

  // ----- context panel ---------------------------------------------------------------------------------------
  async function toggleContext(item) {
    if (!item) return;
    const box = item.querySelector(".context");
    if (!box.hidden) { box.hidden = true; return; }
    if (!box.dataset.loaded) {
      box.textContent = "Loading context…";
      box.hidden = false;
      const res = await fetch("/queue/" + item.dataset.id + "/context?fragment=1", {credentials: "same-origin"});
      // Server-rendered fragment: every piece of comment text in it was escaped by the template engine.
      box.innerHTML = res.ok ? await res.text() : "";
      if (!res.ok) box.textContent = "Could not load the context (" + res.status + ").";
      box.dataset.loaded = "1";
    }
    box.hidden = false;
  }

  // ----- bulk selection ----------------------------------------------------------------------------------------
  function selected() { return Array.from(list.querySelectorAll(".pick:checked")); }
  function refreshBulk() {
    const n = selected().length;
    if (bulkbar) { bulkbar.hidden = n === 0; document.getElementById("bulk-count").textContent = String(n); }
    items().forEach((it) => it.classList.toggle("selected", !!(it.querySelector(".pick") || {}).checked));
  }
  function unselect(item) { const p = item.querySelector(".pick"); if (p) p.checked = false; refreshBulk(); }
  list.addEventListener("change", (ev) => { if (ev.target.classList.contains("pick")) refreshBulk(); });
  if (bulkbar) {
    document.getElementById("bulk-clear").addEventListener("click", () => {
      selected().forEach((p) => { p.checked = false; }); refreshBulk();
    });
    bulkbar.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const action = ev.submitter ? ev.submitter.value : "approve";
      const picks = selected();
      const body = {action, items: picks.map((p) => p.value), reason: action === "reject" ? document.getElementById("bulk-reason").value : null};
      const res = await post(bulkbar.getAttribute("action"), body);  // not .action: the buttons are named "action"
      if (!res.ok) { showToast(res.data.error || "Bulk action failed.", true); return; }
      for (const d of res.data.done) {
        const item = document.getElementById("c" + d.comment_id);
        if (item) applyResult(item, {ok: true, data: d}, action === "approve" ? "Approved" : "Rejected");
      }
      for (const c of res.data.conflicts) {
        const item = document.getElementById("c" + c.comment_id);
        if (item) applyResult(item, {ok: false, status: 409, data: {error: c.error}}, "");
      }
      refreshBulk();
      showToast(res.data.done.length + " " + (action === "approve" ? "approved" : "rejected") +
        (res.data.conflicts.length ? ", " + res.data.conflicts.length + " already decided by someone else" : "") + ".",
        res.data.conflicts.length > 0, res.data.done.length > 0);
    });
  }

  // ----- forms and mouse -------------------------------------------------------------------------------------
  list.addEventListener("submit", (ev) => {
    const form = ev.target.closest("form.act");
    if (!form) return;
    ev.preventDefault();
    const item = form.closest(".item");
    focusItem(items().indexOf(item));
    const action = form.dataset.action;
    const reason = form.querySelector('[name="reason"]');
    const note = form.querySelector('[name="note"]');
    decide(item, action, reason && reason.value, note && note.value);
  });
  list.addEventListener("click", (ev) => {
    const link = ev.target.closest(".ctx-link");
    const item = ev.target.closest(".item");
    if (link) { ev.preventDefault(); toggleContext(item); }
    if (item && !ev.target.closest("a, button, input, select, textarea, label")) focusItem(items().indexOf(item));
  });
  list.addEventListener("mouseover", (ev) => {
    const mark = ev.target.closest("mark.hl");
    const item = ev.target.closest(".item");
    if (!item) return;
    item.querySelectorAll(".spans li.lit, mark.lit").forEach((el) => el.classList.remove("lit"));
    if (mark) mark.dataset.spans.split(" ").forEach((i) => {
      const li = item.querySelector('.spans li[data-span="' + i + '"]');
      if (li) li.classList.add("lit");
    });
  });

  // ----- keyboard ----------------------------------------------------------------------------------------------
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    const t = ev.target;
    if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) && t.type !== "checkbox") return;
    const item = currentItem();
    const keys = {
      j: () => focusItem(current + 1),
      k: () => focusItem(current <= 0 ? 0 : current - 1),
      a: () => decide(item, "approve"),
      r: () => openReject(item),
      e: () => decide(item, "escalate"),
      u: () => undoLast(),
      z: () => toggleContext(item),
      x: () => { const p = item && item.querySelector(".pick"); if (p && !item.classList.contains("decided")) { p.checked = !p.checked; refreshBulk(); } },
      "?": () => helpDialog && helpDialog.showModal(),
    };
    const fn = keys[ev.key];
    if (!fn) return;
    ev.preventDefault();
    fn();
  });

  refreshBulk();  // hidden until something is selected (without JavaScript it stays visible and posts the form)
  if (items().length) focusItem(0);
})();
