// The app's words: the server's catalogue in the page's language (embedded in the page), and
// the data it shows (names, codes, usernames) kept apart from them so that a browser's page
// translation leaves data alone. Sentences are built from translated messages, never joined
// with English punctuation.
export const config = JSON.parse(document.getElementById("config").textContent);

// A word of the server's catalogue in the page's language, %(name)s filled in.
export function t(key, values = {}) {
  return (config.words[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
}

export function count(n, one, many) {
  return n === 1 ? t(one) : t(many, { n });
}

// Data the app shows (names, referral codes, usernames), marked so that a browser's page
// translation leaves it as it is.
export function data(value, className = "") {
  if (value instanceof Node) return value;
  const span = document.createElement("span");
  span.setAttribute("translate", "no");
  if (className) span.className = className;
  span.textContent = String(value ?? "");
  return span;
}

// A word of the catalogue as nodes: the sentence's own words translated, each value filled in
// as data (translate="no"), a Node as it is; the language's punctuation comes with the template.
export function tNodes(key, values = {}) {
  const template = config.words[key] ?? key;
  const nodes = [];
  let last = 0;
  for (const match of template.matchAll(/%\((\w+)\)s/g)) {
    nodes.push(template.slice(last, match.index), data(values[match[1]]));
    last = match.index + match[0].length;
  }
  nodes.push(template.slice(last));
  return nodes.filter((node) => node !== "");
}

export const words = (text) => document.createTextNode(text);

// A person as the app shows them: the name and year of birth are data, the sex is worded in
// the app's language of the moment (a label kept by an older version is its words of that day).
export function person(label) {
  if (typeof label === "string") return data(label);
  const node = document.createElement("span");
  const parts = [
    label.name && data(label.name),
    label.sex && words(config.sex[label.sex] ?? label.sex),
    label.birth_year && data(label.birth_year),
  ].filter(Boolean);
  for (const [index, part] of parts.entries()) node.append(...(index ? [" · ", part] : [part]));
  return node;
}
export function summary(counts) {
  const people = counts.person ?? 0;
  const screenings = counts.screening ?? 0;
  const photos = counts.photo ?? 0;
  if (!people && !screenings && !photos) return t("nothing_waiting");
  const parts = [
    people && count(people, "one_person", "n_people"),
    screenings && count(screenings, "one_screening", "n_screenings"),
    photos && count(photos, "one_photo", "n_photos"),
  ].filter(Boolean);
  // Joined by the language's own list punctuation ("，" in Chinese), through its messages.
  const what = parts.reduce((list, more) => t("list_more", { list, more }));
  return t("waiting", { what });
}

