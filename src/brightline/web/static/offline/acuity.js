// Visual acuity on the device: the same reading as brightline/acuity.py (docs/acuity.md),
// with every limit taken from the rule file the server sends (/screener/app/rules.json).
// WHO / ICD-10 H54 categories; CF at d metres is d/60 (WHO); CF 1.90, HM 2.30 (Schulze-Bonsel
// 2006), LP 2.70, NLP 3.00 (Lange 2009).

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const whole = (source) => new RegExp(`^(?:${source})$`);
const FRACTION = whole(String.raw`(${NUMBER}) ?/ ?(${NUMBER})`);
const DECIMAL = whole(String.raw`([+-]?) ?(${NUMBER})`);
const LOGMAR = whole(String.raw`log ?mar ?[:=]? ?([+-]? ?${NUMBER})`);
const CF_WORDS = String.raw`(?:cf|fc|counting fingers?|count fingers|finger count(?:ing)?)`;
const CF = whole(
  String.raw`${CF_WORDS}(?: ?(?:at|@)? ?(${NUMBER}) ?(m|cm|metres?|meters?|centimetres?|centimeters?))?`,
);
const CF_NO_UNIT = whole(String.raw`${CF_WORDS} ?(?:at|@)? ?${NUMBER}`);
const LABELS = [
  ["NLP", whole("nlp|npl|no light perception|no perception of light|no pl")],
  ["HM", whole("hm|hmv|hand motions?|hand movements?")],
  ["LP", whole("lp|pl|light perception|perception of light")],
];

// code names the problem (brightline/problems.py) and text is the entry as typed, so the app
// words it from the problem catalogue in the screener's language, like the server.
export class AcuityError extends Error {
  constructor(message, code = "va_unreadable", text = "") {
    super(message);
    this.code = code;
    this.text = text;
  }
}

// Integer hundredths of logMAR, half away from zero on the number as written (its shortest
// decimal text, like Python's repr), so the device rounds exactly like the server.
export function roundHundredths(value) {
  const text = String(Math.abs(value));
  const [mantissa, power = "0"] = text.split("e");
  const [integer, fraction = ""] = mantissa.split(".");
  const digits = integer + fraction;
  const point = integer.length + Number(power) + 2;
  let kept = 0;
  let next = 0;
  if (point > 0) {
    kept = Number(digits.padEnd(point, "0").slice(0, point));
    next = Number(digits[point] ?? "0");
  } else if (point === 0) {
    next = Number(digits[0]);
  }
  const rounded = kept + (next >= 5 ? 1 : 0);
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

const fractionHundredths = (numerator, denominator) =>
  roundHundredths(Math.log10(denominator / numerator));
const decimalHundredths = (decimal) => roundHundredths(-Math.log10(decimal));
const cfHundredths = (metres) => fractionHundredths(metres, 60);

function trim(number, places) {
  const text = number.toFixed(places);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

function shortest(value, hundredths, toHundredths) {
  for (let places = 0; places < 7; places += 1) {
    const text = trim(value, places);
    if (Number(text) > 0 && toHundredths(Number(text)) === hundredths) return text;
  }
  throw new Error(`no round-trip text for ${value}`);
}

function lineTable(numerator, denominators) {
  const table = new Map();
  for (const denominator of denominators) {
    const key = fractionHundredths(numerator, Number(denominator));
    if (!table.has(key)) table.set(key, denominator);
  }
  return table;
}

// One reader per rule file: the constants come from the server (brightline/device_rules.py).
export function acuityReader(constants) {
  const offChartByHundredths = new Map(
    Object.entries(constants.off_chart_logmar).map(([label, logmar]) => [
      roundHundredths(logmar),
      label,
    ]),
  );
  const metricLines = lineTable(6, constants.metric_lines);
  const [closest, farthest] = constants.cf_distance_range_m;
  const [chartBest, chartWorst] = constants.chart_range_hundredths;
  const error = (text, reason, code = "va_unreadable") =>
    new AcuityError(
      `Visual acuity "${text}" ${reason}. Accepted forms: ${constants.accepted_forms}.`,
      code,
      String(text),
    );

  function category(hundredths) {
    for (const [limit, value] of constants.category_limits) if (hundredths <= limit) return value;
    return 5;
  }

  function acuity(hundredths, offChart = null, cfMetres = null) {
    const label =
      offChart === "CF" && cfMetres !== null
        ? cfMetres >= 1
          ? `CF ${trim(cfMetres, 2)}m`
          : `CF ${trim(cfMetres * 100, 1)}cm`
        : (offChart ?? offChartByHundredths.get(hundredths) ?? null);
    const found = offChart ?? offChartByHundredths.get(hundredths) ?? null;
    const cat = category(hundredths);
    let metric = label;
    if (metric === null && metricLines.has(hundredths)) metric = `6/${metricLines.get(hundredths)}`;
    else if (metric === null && hundredths <= 100)
      metric = `6/${shortest(6 * 10 ** (hundredths / 100), hundredths, (d) => fractionHundredths(6, d))}`;
    else if (metric === null)
      metric = `${shortest(60 / 10 ** (hundredths / 100), hundredths, (n) => fractionHundredths(n, 60))}/60`;
    let severity = { 1: "moderate", 2: "severe" }[cat] ?? "blindness";
    if (cat === 0) severity = hundredths <= constants.icd11_none_limit_hundredths ? "none" : "mild";
    return { hundredths, off_chart: found, label, metric, category: cat, severity };
  }

  // Snellen, decimal and logMAR lie on a chart (6/3 to 1/60); worse is CF, HM, LP or NLP (WHO).
  function fromHundredths(text, hundredths) {
    if (!(chartBest <= hundredths && hundredths <= chartWorst)) {
      throw error(text, `is logMAR ${(hundredths / 100).toFixed(2)}, off the chart`, "va_beyond_chart");
    }
    return acuity(hundredths);
  }

  function countingFingers(text, distance, unit) {
    if (distance === undefined || unit === undefined) {
      return acuity(roundHundredths(constants.off_chart_logmar.CF), "CF");
    }
    let metres = Number(distance) / (unit.startsWith("c") ? 100 : 1);
    if (!(closest <= metres && metres <= farthest)) {
      throw error(text, "has a counting-fingers distance outside 10 cm to 6 m", "va_cf_distance");
    }
    metres = Number(metres.toFixed(3));
    return acuity(cfHundredths(metres), "CF", metres);
  }

  function parse(text) {
    const normal = String(text).toLowerCase().split(/\s+/).filter(Boolean).join(" ");
    if (!normal) throw error(text, "is empty");
    let match = FRACTION.exec(normal);
    if (match) {
      const numerator = Number(match[1]);
      const denominator = Number(match[2]);
      if (numerator <= 0 || denominator <= 0) {
        throw error(text, "needs a numerator and a denominator greater than 0");
      }
      return fromHundredths(text, fractionHundredths(numerator, denominator));
    }
    match = LOGMAR.exec(normal);
    if (match) return fromHundredths(text, roundHundredths(Number(match[1].replace(" ", ""))));
    match = DECIMAL.exec(normal);
    if (match) {
      const decimal = Number(match[2]);
      if (match[1] || !(decimal > 0 && decimal <= constants.decimal_max)) {
        throw error(text, "is read as decimal acuity, which must be above 0 and at most 2.0", "va_decimal_range");
      }
      return fromHundredths(text, decimalHundredths(decimal));
    }
    match = CF.exec(normal);
    if (match) return countingFingers(text, match[1], match[2]);
    if (CF_NO_UNIT.test(normal)) {
      throw error(text, "needs a unit for the counting-fingers distance (m or cm)", "va_cf_unit");
    }
    for (const [label, pattern] of LABELS) {
      if (pattern.test(normal)) return acuity(roundHundredths(constants.off_chart_logmar[label]), label);
    }
    throw error(text, "is not a recognised notation");
  }

  // A person's WHO category is the better eye's; 9 when neither eye was measured (ICD-10 H54).
  function personCategory(right, left) {
    const measured = [right, left].filter((va) => va !== null);
    if (!measured.length) return 9;
    return Math.min(...measured.map((va) => va.category));
  }

  // ICD-10 (2016) H54 code from both eyes' categories (docs/acuity.md).
  function h54(right, left) {
    const categories = [right, left].filter((va) => va !== null).map((va) => va.category);
    categories.sort((a, b) => a - b);
    const monocular = { 1: "H54.6", 2: "H54.5", 3: "H54.4" };
    const binocular = { 1: "H54.2", 2: "H54.1", 3: "H54.0" };
    if (!categories.length) return "H54.9";
    if (categories.length === 1) return monocular[Math.min(categories[0], 3)] ?? "H54.9";
    const [better, worse] = categories;
    if (better > 0) return binocular[Math.min(better, 3)];
    if (worse === 0) return "H54.3";
    return monocular[Math.min(worse, 3)];
  }

  return { parse, personCategory, h54 };
}
