// What the screening form refuses on the device, with the server's own problem codes
// (brightline/problems.py, the check in brightline/service/screenings.py): every VA must read,
// and each eye is measured or marked "could not be tested" with a reason (RAAB 7), never
// neither and never both. All problems are found at once, each naming its field.
import { AcuityError } from "./acuity.js";

export const VA_FIELDS = ["right_presenting_va", "left_presenting_va", "right_pinhole_va", "left_pinhole_va"];
const SHOWN_CHARACTERS = 24; // only the start of what was typed is repeated, like the server

const blank = (text) => text === null || text === undefined || !String(text).trim();

function shown(text) {
  const characters = Array.from(String(text).trim());
  if (characters.length <= SHOWN_CHARACTERS) return characters.join("");
  return `${characters.slice(0, SHOWN_CHARACTERS).join("")}…`;
}

// values: the form's fields by name; reader: acuity.js's reader; reasons: the rule file's
// vocabulary.untestable. Returns {read: {field: VA or null}, problems: [{field, code, parameters}]}.
export function entryProblems(values, reader, reasons) {
  const problems = [];
  const read = {};
  for (const field of VA_FIELDS) {
    read[field] = null;
    if (blank(values[field])) continue;
    try {
      read[field] = reader.parse(values[field]);
    } catch (error) {
      if (!(error instanceof AcuityError)) throw error;
      problems.push({ field, code: error.code, parameters: { text: shown(values[field]) } });
    }
  }
  for (const eye of ["right", "left"]) {
    const reason = blank(values[`${eye}_untestable`]) ? null : String(values[`${eye}_untestable`]).trim().toLowerCase();
    const measured = !blank(values[`${eye}_presenting_va`]);
    if (reason !== null && !reasons.includes(reason)) {
      problems.push({ field: `${eye}_untestable`, code: "untestable_reason", parameters: {} });
    } else if (!measured && reason === null) {
      problems.push({ field: `${eye}_presenting_va`, code: "va_or_untestable", parameters: {} });
    } else if (measured && reason !== null) {
      problems.push({ field: `${eye}_untestable`, code: "va_and_untestable", parameters: {} });
    }
  }
  return { read, problems };
}

// What the registration form refuses, as the server's checks (brightline.problems.birth_year_of,
// brightline.service.people.phone_problem): a year of birth of four digits within the last 120
// years and not in the future; a phone, when given, of 5 to 15 digits (ITU-T E.164) written
// with a leading +, spaces, hyphens, dots and brackets only (full-width digits read as digits).
// values: the form's fields by name; thisYear: the device's calendar year.
export const MAX_AGE = 120;
const PHONE_WRITING = /^\+?[\p{Nd} ().\-\u2010\u2013]*$/u;

function birthYearProblem(values, thisYear) {
  const written = blank(values.birth_year) ? "" : String(values.birth_year).trim();
  const low = thisYear - MAX_AGE;
  if (!written) return { field: "birth_year", code: "age_or_birth_year", parameters: {} };
  if (/^[0-9]{4}$/.test(written) && low <= Number(written) && Number(written) <= thisYear) return null;
  return { field: "birth_year", code: "birth_year_range", parameters: { low: String(low), high: String(thisYear) } };
}

function phoneProblem(values) {
  if (blank(values.phone)) return null;
  const written = String(values.phone).normalize("NFKC").trim();
  const digits = (written.match(/\p{Nd}/gu) ?? []).length;
  if (PHONE_WRITING.test(written) && digits >= 5 && digits <= 15) return null;
  return { field: "phone", code: "phone_form", parameters: {} };
}

export function registrationProblems(values, thisYear) {
  return [birthYearProblem(values, thisYear), phoneProblem(values)].filter((found) => found !== null);
}

// A problem as a sentence in the reader's language, from the catalogue served with the app
// (brightline.problems.catalogue), like Problem.message on the server.
export function problemSentence(found, catalogue) {
  const template = catalogue.templates[found.code];
  if (template === undefined) return found.parameters?.text ?? found.code;
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(found.parameters?.[name] ?? ""));
}
