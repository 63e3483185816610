// The lines the app draws: the queue's records, the refusals of the server, what was sent and
// the device's provisional result; the data in each marked translate="no" (words.js).
import { problemSentence } from "./entry.js";
import { sentence } from "./triage.js";
import { config, data, person, t, tNodes, words } from "./words.js";

function reasonList(reasons) {
  const list = document.createElement("ul");
  for (const reason of reasons) {
    const item = document.createElement("li");
    item.textContent = sentence(reason, config.reasons);
    list.append(item);
  }
  return list;
}

// The device's provisional result of a screening just saved, for the result panel.
export function resultNodes(provisional, label) {
  const title = document.createElement("h2");
  title.id = "device-decision";
  title.textContent = config.decisions[provisional.decision];
  const note = document.createElement("p");
  note.className = "provisional";
  note.textContent = t("provisional", { version: provisional.rule_version });
  const who = document.createElement("p");
  who.append(person(label));
  return [who, title, note, reasonList(provisional.reasons)];
}

// Whose the record is, as a node: the person's label is data; a photo adds its eye in words.
function recordLabel(record) {
  if (record.kind !== "photo") return person(record.label);
  const eye = words(t(`eye_${record.eye}`));
  return record.label ? wrap(tNodes("photo_of", { label: person(record.label), eye })) : eye;
}

export function recordLine(record, onDevice, onCorrect) {
  const item = document.createElement("li");
  item.dataset.uuid = record.uuid;
  item.dataset.kind = record.kind;
  const what = { person: t("kind_person"), screening: t("kind_screening"), photo: t("kind_photo") }[record.kind];
  const label = recordLabel(record);
  const badge = document.createElement("span");
  badge.className = `state ${record.state}`;
  let stateText = record.state === "rejected" ? t("state_rejected") : t("state_waiting");
  if (record.state !== "rejected" && onDevice.has(record.parent)) stateText = t("state_waits_for_parent");
  badge.textContent = stateText;
  const line = document.createElement("span");
  line.append(...tNodes("record_line", { what: words(what), label }));
  item.append(line, " ", badge);
  if (record.kind === "screening" && record.provisional) {
    // The device's triage, kept with the record: shown again after a reload until the server's.
    const provisional = document.createElement("p");
    provisional.className = "provisional";
    provisional.textContent = t("provisional_decision", { decision: config.decisions[record.provisional.decision] });
    item.append(provisional);
  }
  if (record.state === "rejected") item.append(...refusalNodes(record, onCorrect));
  return item;
}

function wrap(nodes) {
  const span = document.createElement("span");
  span.append(...nodes);
  return span;
}

function refusalNodes(record, onCorrect) {
  const list = document.createElement("ul");
  list.className = "error problems";
  for (const { field, message } of refusals(record.error)) {
    const item = document.createElement("li");
    item.dataset.field = field;
    item.textContent = t("field_problem", { field: fieldLabel(field), message });
    list.append(item);
  }
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = t("correct_and_resend");
  const nodes = [list];
  if (record.kind !== "photo") {
    const correct = document.createElement("button");
    correct.type = "button";
    correct.textContent = t("correct");
    correct.addEventListener("click", () => onCorrect(record));
    nodes.push(note, correct);
  }
  return nodes;
}

// A server's refusal as {field, message} pairs: each coded problem in the screener's language
// (a national ID registered at another clinic, a VA off the chart, a number out of range);
// never the server's English sentence while a code says it.
export function refusals(error) {
  if (error?.problems?.length) {
    return error.problems.map((found) => ({ field: found.field, message: problemSentence(found, config.problems) }));
  }
  return [{ field: error?.field ?? "form", message: t("refused_unworded") }];
}

function fieldLabel(field) {
  return document.querySelector(`label[for="${CSS.escape(field)}"]`)?.textContent ?? t("field_form");
}

export function sentLine(sent) {
  const item = document.createElement("li");
  item.className = sent.differs ? "differs" : "";
  const line = document.createElement("span");
  line.append(...tNodes("sent_line", { label: person(sent.label ?? ""), decision: words(config.decisions[sent.decision] ?? sent.decision) }));
  item.append(line);
  if (sent.differs) {
    const note = document.createElement("p");
    note.className = "error";
    note.textContent = t("server_differs", { device: config.decisions[sent.device], server: config.decisions[sent.decision] });
    item.append(note);
  }
  if (sent.referral && sent.attached) {
    // The findings joined the person's open referral: no new slip or PIN to hand over.
    const joined = document.createElement("p");
    joined.className = "notice joined-referral";
    joined.append(...tNodes("joined_referral", { code: data(sent.referral.code, "code") }));
    item.append(joined);
  } else if (sent.referral) {
    const slip = document.createElement("a");
    slip.href = `/screener/referrals/${sent.referral.id}/slip`;
    slip.append(...tNodes("print_slip", { code: data(sent.referral.code, "code") }));
    item.append(" ", slip);
  }
  return item;
}

