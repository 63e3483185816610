// The offline screener app: register and screen people with no connection, keep every record
// encrypted on the device, send them through the server's sync when a connection returns.
import { acuityReader } from "./acuity.js";
import { entryProblems, problemSentence, registrationProblems, VA_FIELDS } from "./entry.js";
import { recordLine, refusals, resultNodes, sentLine } from "./lines.js";
import { triage } from "./triage.js";
import { Vault } from "./vault.js";
import { config, count, person, summary, t } from "./words.js";

const $ = (id) => document.getElementById(id);
const BATCH = 20;
const PERIOD_MS = 60000;
const LONGEST_SIDE = 1600; // px: ~200 KB as JPEG instead of a phone camera's several MB

// reachable: the last request's answer (null before any); the badge shows it with navigator.onLine.
const state = { vault: null, rules: null, reader: null, session: null, sent: [], reachable: null };

class SessionEnded extends Error {}


function show(id, visible) {
  $(id).hidden = !visible;
}

// -- the lock ----------------------------------------------------------------------------

async function start() {
  show("no-script", false);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/screener/app/sw.js", { scope: "/screener/app/" }).catch(() => undefined);
  }
  state.rules = await (await fetch("/screener/app/rules.json")).json();
  state.reader = acuityReader(state.rules.acuity);
  state.vault = await Vault.open();
  // The account the page was served to; the session check confirms it before anything is sent.
  state.vault.owner = config.account;
  $("who").textContent = config.account ?? "";
  showNetwork();
  show("lock", true);
  if (await state.vault.isSetUp()) {
    show("pin-unlock", true);
    // Before unlocking, whoever holds the phone learns only how many records it keeps: whose
    // they are, and of what kind, is for the account that made them (docs/security.md).
    const { total } = await state.vault.counts();
    $("lock-summary").textContent = total ? count(total, "device_one", "device_many") : "";
    $("pin").focus();
  } else {
    show("pin-set", true);
  }
}

$("pin-set").addEventListener("submit", async (event) => {
  event.preventDefault();
  const pin = $("new-pin").value;
  const error = $("pin-set-error");
  error.hidden = true;
  if (!/^\d{6,}$/.test(pin) || pin !== $("new-pin-again").value) {
    error.textContent = t("pin_rules");
    error.hidden = false;
    return;
  }
  await state.vault.setUp(pin);
  await opened();
});

$("pin-unlock").addEventListener("submit", async (event) => {
  event.preventDefault();
  const ok = await state.vault.unlock($("pin").value);
  $("pin").value = "";
  if (!ok) {
    $("pin-error").textContent = t("pin_wrong");
    $("pin-error").hidden = false;
    return;
  }
  await opened();
});

async function opened() {
  show("lock", false);
  show("app", true);
  // Whose records to open: the session's account when the server answers, else the page's.
  if (navigator.onLine) {
    await checkSession().catch((error) => {
      if (error instanceof SessionEnded) signedOut();
    });
  }
  await restoreDrafts();
  await render();
  sync();
}

// -- forms and drafts --------------------------------------------------------------------

function formValues(form) {
  const values = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "file") continue;
    if (element.type === "checkbox") {
      values[element.name] = values[element.name] ?? [];
      if (element.checked) values[element.name].push(element.value);
    } else if (element.type === "radio") {
      if (element.checked) values[element.name] = element.value;
    } else {
      values[element.name] = element.value.trim();
    }
  }
  return values;
}

function fill(form, values) {
  form.reset();
  for (const element of form.elements) {
    if (!element.name || element.type === "file" || !(element.name in values)) continue;
    const value = values[element.name];
    if (element.type === "checkbox") element.checked = (value ?? []).includes(element.value);
    else if (element.type === "radio") element.checked = value === element.value;
    else element.value = value ?? "";
  }
}

function clearErrors(form) {
  for (const box of form.querySelectorAll("[data-error-for]")) box.hidden = true;
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function fieldError(form, field, message) {
  const box = form.querySelector(`[data-error-for="${field}"]`) ?? form.querySelector('[data-error-for="form"]');
  box.textContent = box.hidden ? message : `${box.textContent} ${message}`;
  box.hidden = false;
  const input = form.elements[field];
  if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
}

// The form being filled, kept (encrypted) on every change: a form is never lost.
const drafts = { register: null, screen: null };

// Each form's draft is written in order: a save still encrypting must not land after the
// drop that Cancel or a saved record asked for, and bring the draft back.
const draftWrites = {};
function inOrder(name, write) {
  draftWrites[name] = (draftWrites[name] ?? Promise.resolve()).then(write, write);
  return draftWrites[name];
}

function saveDraft(name) {
  const draft = { ...drafts[name], values: formValues($(name)) };
  drafts[name] = draft;
  const record = { uuid: draftId(name), kind: "draft", state: "draft", form: name, ...draft, created: draft.created ?? new Date().toISOString() };
  return inOrder(name, () => state.vault.put(record));
}

// One draft per form and account: another screener's half-filled form is kept, not replaced.
const draftId = (name) => `draft-${name}-${state.vault.owner}`;

function dropDraft(name) {
  drafts[name] = null;
  const uuid = draftId(name);
  return inOrder(name, () => state.vault.remove(uuid));
}

for (const name of ["register", "screen"]) {
  $(name).addEventListener("input", () => saveDraft(name));
  $(name).querySelector("[data-cancel]").addEventListener("click", async () => {
    await dropDraft(name);
    show(name, false);
  });
}

async function restoreDrafts() {
  for (const record of await state.vault.list()) {
    if (record.kind !== "draft") continue;
    const name = record.form ?? record.uuid.slice("draft-".length);
    openForm(name, record);
    if (record.uuid !== draftId(name)) {
      // A draft kept before drafts were kept per account: now the signed-in account's.
      await state.vault.remove(record.uuid);
      await saveDraft(name);
    }
  }
}

// A form's heading and button: "Correct the record" / "Save the correction" when it reopens
// a refused record, the form's own words otherwise.
function headForm(form, correcting) {
  for (const [element, words] of [[form.querySelector("h2"), "correct_heading"], [form.querySelector("button[type=submit]"), "save_correction"]]) {
    element.dataset.usual = element.dataset.usual ?? element.textContent;
    element.textContent = correcting ? t(words) : element.dataset.usual;
  }
}

function openForm(name, draft) {
  drafts[name] = { person: draft.person ?? null, editing: draft.editing ?? null, label: draft.label ?? "", created: draft.created };
  headForm($(name), Boolean(draft.editing));
  fill($(name), draft.values ?? {});
  clearErrors($(name));
  if (name === "screen") $("screen-who").replaceChildren(person(draft.label ?? ""));
  show(name, true);
  show("result", false);
  $("result").replaceChildren();
  $(name).scrollIntoView();
}

$("new-person").addEventListener("click", () => openForm("register", {}));

const optional = (text) => (text ? text : null);

$("register").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("register");
  clearErrors(form);
  const values = formValues(form);
  const refused = registrationProblems(values, new Date().getFullYear());
  for (const found of refused) fieldError(form, found.field, problemSentence(found, config.problems));
  if (refused.length) {
    form.elements[refused[0].field]?.focus();
    return;
  }
  const draft = drafts.register ?? {};
  const uuid = draft.editing ?? crypto.randomUUID();
  const data = {
    sex: values.sex,
    birth_year: Number(values.birth_year),
    name: optional(values.name),
    phone: optional(values.phone),
    national_id: optional(values.national_id),
    address: optional(values.address),
  };
  // Kept as parts, worded when shown: the app may be in another language by then.
  const label = { name: values.name ?? "", sex: values.sex ?? "", birth_year: values.birth_year ?? "" };
  await state.vault.put({ uuid, kind: "person", state: "queued", created: new Date().toISOString(), data, values, label });
  if (draft.editing) await relabel(uuid, label);
  await dropDraft("register");
  show("register", false);
  if (!draft.editing) openForm("screen", { person: uuid, label });
  await render();
  sync();
});

// A corrected person's screenings and photos on the device carry the corrected name and year.
async function relabel(person, label) {
  for (const record of await state.vault.list()) {
    if (record.kind === "draft" || (record.parent !== person && record.person !== person)) continue;
    await state.vault.put({ ...record, label });
  }
  for (const name of ["register", "screen"]) {
    if (drafts[name]?.person === person) {
      drafts[name].label = label;
      if (name === "screen") $("screen-who").replaceChildren(person(label));
    }
  }
}

// -- screening, device triage, photos ------------------------------------------------------

// The form checked as the server checks it; every problem shown beside its field, in the
// screener's language (the problem catalogue served with the app). Null when refused.
function readVa(values, form) {
  const { read, problems } = entryProblems(values, state.reader, state.rules.vocabulary.untestable);
  for (const found of problems) fieldError(form, found.field, problemSentence(found, config.problems));
  if (problems.length) form.elements[problems[0].field]?.focus();
  return problems.length ? null : read;
}

// A photo made smaller on the device (longest side 1,600 px, JPEG); the server re-encodes it.
async function downscale(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  return new Uint8Array(await blob.arrayBuffer());
}

$("screen").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("screen");
  clearErrors(form);
  const values = formValues(form);
  const read = readVa(values, form);
  if (!read) return;
  const draft = drafts.screen ?? {};
  const eyeFindings = (eye) => ({
    presenting: read[`${eye}_presenting_va`],
    pinhole: read[`${eye}_pinhole_va`],
    lens: values[`${eye}_lens`] || null,
    untestable: values[`${eye}_untestable`] || null,
  });
  const findings = {
    right: eyeFindings("right"),
    left: eyeFindings("left"),
    symptoms: values.symptoms ?? [],
  };
  const provisional = triage(findings, state.rules);
  const uuid = draft.editing ?? crypto.randomUUID();
  const data = { person_id: draft.person, screened_at: new Date().toISOString(), symptoms: findings.symptoms };
  for (const field of VA_FIELDS) data[field] = optional(values[field]);
  data.right_lens = findings.right.lens;
  data.left_lens = findings.left.lens;
  data.right_untestable = findings.right.untestable;
  data.left_untestable = findings.left.untestable;
  const created = new Date().toISOString();
  for (const eye of ["right", "left"]) {
    for (const file of form.elements[`photo_${eye}`].files) {
      const bytes = await downscale(file);
      await state.vault.put({ uuid: crypto.randomUUID(), kind: "photo", state: "queued", parent: uuid, person: draft.person, label: draft.label, created, eye, bytes });
    }
  }
  await state.vault.put({ uuid, kind: "screening", state: "queued", parent: draft.person, created, data, values, provisional, label: draft.label });
  await dropDraft("screen");
  show("screen", false);
  showResult(provisional, draft.label);
  await render();
  sync();
});

function showResult(provisional, label) {
  $("result").replaceChildren(...resultNodes(provisional, label));
  show("result", true);
}

// -- what is on the device ---------------------------------------------------------------

function othersWaiting(others) {
  show("others", others > 0);
  $("others").textContent = others ? count(others, "others_one", "others_many") : "";
}

function correctRecord(record) {
  const name = record.kind === "person" ? "register" : "screen";
  openForm(name, { values: record.values, editing: record.uuid, person: record.parent, label: record.label });
  for (const { field, message } of refusals(record.error)) fieldError($(name), field, message);
}

async function render() {
  showNetwork();
  const records = (await state.vault.list()).filter((r) => r.kind !== "draft");
  const onDevice = new Set(records.map((r) => r.uuid));
  $("queue").replaceChildren(...records.map((r) => recordLine(r, onDevice, correctRecord)));
  const counts = await state.vault.counts();
  const waiting = Object.values(counts.waiting).some(Boolean);
  // Refused records wait for a correction, not for sending: said so, not counted as waiting.
  $("queue-summary").textContent = waiting || !counts.refused ? summary(counts.waiting) : "";
  show("refused", counts.refused > 0);
  $("refused").textContent = counts.refused ? count(counts.refused, "refused_one", "refused_many") : "";
  othersWaiting(counts.others);
  $("sent").replaceChildren(...state.sent.map(sentLine));
  await warnIfStale(records.length);
}

async function warnIfStale(waiting) {
  const since = (await state.vault.meta("last_sync")) ?? (await state.vault.meta("since"));
  const days = since ? Math.floor((Date.now() - Date.parse(since)) / 86400000) : 0;
  const stale = waiting > 0 && days >= config.warn_days;
  $("stale").textContent = stale ? t("stale", { days }) : "";
  show("stale", stale);
}

// Online while the browser has a network and the last request got an answer.
function showNetwork() {
  const online = navigator.onLine && state.reachable !== false;
  $("network").textContent = online ? t("online") : t("offline");
  $("network").classList.toggle("offline", !online);
}

function reached(answered) {
  state.reachable = answered;
  showNetwork();
}

// -- sending -------------------------------------------------------------------------------

async function checkSession() {
  const response = await request("/screener/app/session", { cache: "no-store" });
  if (response.status === 401) throw new SessionEnded();
  if (!response.ok) throw new Error(t("server_error"));
  state.session = await response.json();
  // Only the signed-in account's records are shown and sent; another's stay sealed.
  if (state.vault.owner !== state.session.username) await switchAccount(state.session.username);
  signedIn(state.session.username);
}

// Another account than the page was made for: close what was open, open that account's drafts.
async function switchAccount(username) {
  state.vault.owner = username;
  state.sent = [];
  for (const name of ["register", "screen"]) {
    drafts[name] = null;
    $(name).reset();
    show(name, false);
  }
  show("result", false);
  $("result").replaceChildren();
  if (state.vault.key) await restoreDrafts();
}

function signedIn(username) {
  $("who").textContent = username ?? "";
  show("sign-out", true);
  show("sign-in-link", false);
  show("sign-in-again", false);
}

// An ended session: the header says so and offers to sign in; the queue stays on the device.
function signedOut() {
  $("who").textContent = t("signed_out");
  show("sign-out", false);
  show("sign-in-link", true);
  show("sign-in-again", true);
}

// A request whose answer (or none) is what the badge shows.
async function request(url, options) {
  try {
    const response = await fetch(url, options);
    reached(true);
    return response;
  } catch (error) {
    reached(false);
    throw error;
  }
}

async function post(url, body, json) {
  const headers = { "X-CSRF-Token": state.session.csrf };
  if (json) headers["Content-Type"] = "application/json";
  const response = await request(url, { method: "POST", headers, body: json ? JSON.stringify(body) : body });
  if (response.status === 401) throw new SessionEnded();
  return response;
}

function progress(done, total) {
  $("progress").max = Math.max(total, 1);
  $("progress").value = done;
  $("progress").hidden = total === 0;
  $("sync-message").textContent = total ? t("sending", { done, total }) : "";
}

async function applied(record, answer) {
  await state.vault.remove(record.uuid);
  if (record.kind === "person" && answer.id && answer.id !== record.uuid) {
    // The clinic already had this person (the same national ID): their screenings, made now
    // or later on this device, go to that record.
    const same = (await state.vault.meta("same_person")) ?? {};
    await state.vault.setMeta("same_person", { ...same, [record.uuid]: answer.id });
  }
  if (record.kind !== "screening") return;
  const server = answer.server ?? {};
  const device = record.provisional?.decision;
  const attached = Boolean(server.attached_referral_id);
  state.sent.unshift({ label: record.label, decision: server.decision, device, differs: server.decision !== device, referral: server.referral, attached });
}

async function sendRecords(records, tally) {
  for (let start = 0; start < records.length; start += BATCH) {
    const batch = records.slice(start, start + BATCH);
    const same = (await state.vault.meta("same_person")) ?? {};
    const data = (r) => (r.kind === "screening" && same[r.data.person_id] ? { ...r.data, person_id: same[r.data.person_id] } : r.data);
    const body = { records: batch.map((r) => ({ uuid: r.uuid, kind: r.kind, data: data(r) })) };
    const response = await post("/screener/app/sync", body, true);
    if (!response.ok) throw new Error(t("server_error"));
    const answers = await response.json();
    for (const [index, answer] of answers.entries()) {
      const record = batch[index];
      if (answer.status === "applied") await applied(record, answer);
      else await state.vault.put({ ...record, state: "rejected", error: answer.error });
      tally.done += 1;
      progress(tally.done, tally.total);
    }
  }
}

async function sendPhoto(photo, tally) {
  const body = new FormData();
  body.append("uuid", photo.uuid);
  body.append("screening_id", photo.parent);
  body.append("eye", photo.eye);
  body.append("image", new Blob([photo.bytes], { type: "image/jpeg" }), "photo.jpg");
  const response = await post("/screener/app/photos", body, false);
  const answer = await response.json();
  if (response.ok) await state.vault.remove(photo.uuid);
  else if (response.status === 422) await state.vault.put({ ...photo, state: "rejected", error: answer.error });
  else throw new Error(t("server_error"));
  tally.done += 1;
  progress(tally.done, tally.total);
}

// What may go now: a record whose parent is no longer on the device (the server has it).
async function ready(kind) {
  const records = await state.vault.list();
  const onDevice = new Set(records.map((r) => r.uuid));
  return records.filter((r) => r.kind === kind && r.state === "queued" && !onDevice.has(r.parent));
}

// The sync under way, if any. A caller while one runs waits for it, and one more round
// starts right after it, so whatever was saved meanwhile goes too (even when the round under
// way failed: the caller's own attempt is owed to it).
let running = null;
let again = false;

// Send what is waiting. Answers how it went: "sent" (what could go went), "offline",
// "ended" (the session), "failed" (the server), or "locked" (no key to read the records).
function sync() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    await null; // `running` is set before the first round starts
    try {
      let outcome;
      do {
        again = false;
        outcome = await syncOnce();
      } while (again);
      return outcome;
    } finally {
      running = null; // at once after the last check of `again`: no caller falls between
    }
  })();
  return running;
}

async function syncOnce() {
  if (!state.vault?.key) {
    await render();
    return "locked";
  }
  if (!navigator.onLine) {
    $("sync-message").textContent = t("no_connection");
    await render();
    return "offline";
  }
  showNetwork();
  try {
    await checkSession();
    const all = (await state.vault.list()).filter((r) => r.state === "queued" && r.kind !== "draft");
    const tally = { done: 0, total: all.length };
    await sendRecords(await ready("person"), tally);
    await sendRecords(await ready("screening"), tally);
    for (const photo of await ready("photo")) await sendPhoto(photo, tally);
    await state.vault.setMeta("last_sync", new Date().toISOString());
    progress(0, 0);
    // "Everything was sent" once something went and nothing came back refused (the refusal
    // is said above). A round with nothing to send keeps that line and clears an earlier
    // failure's; on a device that has sent nothing yet the summary speaks for itself.
    const before = $("sync-message").textContent === t("sent_all");
    const clean = (tally.total > 0 || before) && !(await state.vault.counts()).refused;
    $("sync-message").textContent = clean ? t("sent_all") : "";
    return "sent";
  } catch (error) {
    progress(0, 0);
    if (error instanceof SessionEnded) {
      $("sync-message").textContent = t("session_ended");
      signedOut();
      return "ended";
    }
    const offline = error instanceof TypeError;
    $("sync-message").textContent = offline ? t("no_connection") : error.message;
    return offline ? "offline" : "failed";
  } finally {
    await render();
  }
}

$("send").addEventListener("click", () => sync());
window.addEventListener("online", () => {
  state.reachable = null; // a new connection: the last request's failure no longer says much
  showNetwork();
  sync();
});
window.addEventListener("offline", () => showNetwork());
setInterval(() => sync(), PERIOD_MS);

// -- signing out: never silently drop what is waiting -------------------------------------

async function signOut() {
  try {
    await checkSession();
    const body = new URLSearchParams({ csrf_token: state.session.csrf });
    await fetch("/sign-out", { method: "POST", body, redirect: "manual" });
  } catch {
    // Offline or already signed out: the device locks anyway; the session ends on its own.
  }
  state.vault?.lock();
  window.location.assign("/sign-in?next=/screener/app/");
}

$("sign-out").addEventListener("click", async () => {
  const none = { mine: {}, waiting: {}, refused: 0 };
  const { mine, waiting, refused } = state.vault?.key ? await state.vault.counts() : none;
  if (!Object.values(mine).some(Boolean)) return signOut();
  // What can go now is asked about; a refused record goes only once it is corrected, so when
  // nothing else waits there is nothing to send and no "Send them now".
  const sendable = Object.values(waiting).some(Boolean);
  $("sign-out-question").textContent = sendable ? t("sign_out_waiting", { waiting: summary(waiting) }) : "";
  $("sign-out-refused").textContent = refused ? count(refused, "sign_out_refused_one", "sign_out_refused_many") : "";
  show("sign-out-question", sendable);
  show("sign-out-send", sendable);
  show("sign-out-refused", Boolean(refused));
  $("sign-out-dialog").returnValue = ""; // Esc closes it without a choice: not the last one
  $("sign-out-dialog").showModal();
});

$("sign-out-dialog").addEventListener("close", async () => {
  const choice = $("sign-out-dialog").returnValue;
  if (choice === "keep") await signOut();
  else if (choice === "send") {
    const outcome = await sync();
    const counts = (await state.vault.counts()).mine;
    if (!Object.values(counts).some(Boolean)) await signOut();
    // Said only while it is true: an ended session or a server error keeps its own message.
    else if (outcome === "sent" || outcome === "offline") {
      $("sync-message").textContent = t("still_signed_in");
    }
  }
});

start();
