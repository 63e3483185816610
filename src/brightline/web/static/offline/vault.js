// The device's queue: records in IndexedDB, their contents encrypted with AES-GCM (WebCrypto)
// under a key derived from the screener's PIN with PBKDF2-SHA-256 (NIST SP 800-132; 600,000
// iterations, OWASP 2023). The key never leaves memory: after a reload the PIN unlocks it again.

const DB_NAME = "brightline-offline";
const ITERATIONS = 600000;
const CHECK_TEXT = "brightline-offline-check";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  const opening = indexedDB.open(DB_NAME, 1);
  opening.onupgradeneeded = () => {
    opening.result.createObjectStore("meta");
    opening.result.createObjectStore("records", { keyPath: "uuid" });
  };
  return request(opening);
}

async function deriveKey(pin, salt) {
  const material = await crypto.subtle.importKey(
    "raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS },
    material,
    { name: "AES-GCM", length: 256 },
    false, // not extractable: no script can read the key out, even this one
    ["encrypt", "decrypt"],
  );
}

async function seal(key, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12)); // a fresh nonce per write (NIST SP 800-38D)
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(JSON.stringify(value)));
  return { iv, data };
}

async function open(key, sealed) {
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv }, key, sealed.data);
  return JSON.parse(new TextDecoder().decode(plain));
}

function toBase64(bytes) {
  const view = new Uint8Array(bytes);
  let text = "";
  for (let start = 0; start < view.length; start += 8192) {
    text += String.fromCharCode(...view.subarray(start, start + 8192)); // chunks: a photo is too big for one call
  }
  return btoa(text);
}
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export class Vault {
  constructor(db) {
    this.db = db;
    this.key = null;
    this.owner = null; // the account whose records are shown and sent (set by the app)
  }

  static async open() {
    return new Vault(await openDb());
  }

  store(name, mode = "readonly") {
    return this.db.transaction(name, mode).objectStore(name);
  }

  meta(name) {
    return request(this.store("meta").get(name));
  }

  setMeta(name, value) {
    return request(this.store("meta", "readwrite").put(value, name));
  }

  async isSetUp() {
    return (await this.meta("check")) !== undefined;
  }

  async setUp(pin) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const key = await deriveKey(pin, salt);
    await this.setMeta("salt", salt);
    await this.setMeta("check", await seal(key, CHECK_TEXT));
    await this.setMeta("since", new Date().toISOString());
    this.key = key;
  }

  // Whether the PIN opens the queue (AES-GCM authentication fails for any other PIN).
  async unlock(pin) {
    const key = await deriveKey(pin, await this.meta("salt"));
    try {
      if ((await open(key, await this.meta("check"))) !== CHECK_TEXT) return false;
    } catch {
      return false;
    }
    this.key = key;
    return true;
  }

  lock() {
    this.key = null;
  }

  // Plain fields: uuid, kind, state, the parent's uuid (ids only) and the account that made
  // it (a staff username, the device's sign-in); the rest is sealed.
  async put(record) {
    const { uuid, kind, state, parent, owner, ...secret } = record;
    if (secret.bytes) secret.bytes = toBase64(secret.bytes);
    const sealed = await seal(this.key, secret);
    const row = { uuid, kind, state, parent, owner: owner ?? this.owner, sealed };
    await request(this.store("records", "readwrite").put(row));
  }

  // Records from before owners were kept belong to the account the whole queue was kept for.
  async rows() {
    const rows = await request(this.store("records").getAll());
    const earlier = await this.meta("owner");
    return rows.map((row) => ({ ...row, owner: row.owner ?? earlier ?? this.owner }));
  }

  // The signed-in account's records only: another screener's are never opened on this device.
  async list() {
    const out = [];
    for (const row of await this.rows()) {
      if (row.owner !== this.owner) continue;
      const secret = await open(this.key, row.sealed);
      if (secret.bytes) secret.bytes = fromBase64(secret.bytes);
      out.push({ uuid: row.uuid, kind: row.kind, state: row.state, parent: row.parent, owner: row.owner, ...secret });
    }
    return out.sort((a, b) => (a.created < b.created ? -1 : 1));
  }

  // Counts by kind without the PIN: what is waiting can be said, never what it holds.
  // mine: the account's own records by kind (waiting: those not refused; refused: how many
  // were); total: every record on the device; others: how many other accounts' records wait.
  async counts() {
    const counts = { mine: {}, waiting: {}, refused: 0, total: 0, others: 0 };
    for (const row of await this.rows()) {
      if (row.kind === "draft") continue;
      counts.total += 1;
      if (row.owner !== this.owner) counts.others += 1;
      else {
        counts.mine[row.kind] = (counts.mine[row.kind] ?? 0) + 1;
        if (row.state === "rejected") counts.refused += 1;
        else counts.waiting[row.kind] = (counts.waiting[row.kind] ?? 0) + 1;
      }
    }
    return counts;
  }

  remove(uuid) {
    return request(this.store("records", "readwrite").delete(uuid));
  }
}
