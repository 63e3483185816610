// Triage on the device: the same rules as brightline/triage.py (docs/triage.md, after WHO and
// RAAB practice), read from the programme's rule file; a result is provisional until the
// server, which runs the Python rules, has confirmed it.

const NONE = 0;
const REFRACTION = 1;
const REVIEW = 2;
const URGENT = 3;

const worse = (va, limit) => va.hundredths > limit.hundredths;
const atLeast = (va, limit) => va.hundredths <= limit.hundredths;

function assessEye(eye, found, rules, result) {
  const { presenting, pinhole, lens, untestable } = found;
  if (presenting === null && untestable === "could_not_cooperate") {
    // Vision unknown in an eye that is there: only an examination can rule out cataract.
    result.note({ code: "eye_could_not_cooperate", eye }, REVIEW);
    return;
  }
  if (presenting === null && (untestable === "eye_absent" || untestable === "not_attempted")) {
    result.note({ code: untestable === "eye_absent" ? "eye_absent" : "eye_not_attempted", eye });
    return;
  }
  if (presenting === null) {
    result.note({ code: "presenting_not_measured", eye });
    return;
  }
  const refer = rules.refer_worse_than;
  const target = rules.pinhole_corrects_to;
  if (!worse(presenting, refer)) {
    result.note({ code: "presenting_at_least", eye, va: presenting.metric, limit: refer.metric });
  } else {
    result.failing_eyes.push(eye);
    result.note({ code: "presenting_worse_than", eye, va: presenting.metric, limit: refer.metric });
    const corrected = pinhole !== null && atLeast(pinhole, target);
    if (pinhole === null) result.note({ code: "pinhole_not_measured", eye }, REVIEW);
    else if (corrected) {
      result.note({ code: "pinhole_corrects", eye, va: pinhole.metric, limit: target.metric }, REFRACTION);
    } else {
      result.note({ code: "pinhole_worse_than", eye, va: pinhole.metric, limit: target.metric }, REVIEW);
    }
    if (lens === "opacity" && !corrected) {
      result.suspected_cataract = true;
      result.note({ code: "suspected_cataract", eye });
    } else if (lens === "opacity") {
      result.note({ code: "opacity_corrected_by_pinhole", eye });
    } else if (lens === "not_visible" && !corrected) {
      result.note({ code: "lens_not_visible", eye });
    }
  }
  if (lens === "pseudophakia") {
    const seen = pinhole === null || presenting.hundredths <= pinhole.hundredths ? presenting : pinhole;
    const limit = rules.complication_worse_than;
    if (worse(seen, limit)) {
      result.possible_complication = true;
      const urgent = rules.complication_urgent;
      result.note(
        {
          code: urgent ? "possible_complication_urgent" : "possible_complication",
          eye,
          va: seen.metric,
          limit: limit.metric,
        },
        urgent ? URGENT : REVIEW,
      );
    }
  }
}

function assessPerson(findings, rules, eyes, result) {
  const measured = [findings.right.presenting, findings.left.presenting].filter((va) => va !== null);
  if (!measured.length) {
    // No eye to examine or operate: nothing to refer for.
    if (eyes.every((eye) => findings[eye].untestable === "eye_absent")) return;
    result.note({ code: "not_measured_either_eye" }, REVIEW);
    for (const eye of eyes) {
      if (findings[eye].lens === "opacity") {
        result.suspected_cataract = true;
        result.note({ code: "suspected_cataract", eye });
      }
    }
    return;
  }
  // min() keeps the first of equal values, like Python's.
  const better = measured.reduce((best, va) => (va.hundredths < best.hundredths ? va : best));
  const which = measured.length === 2 ? "better_eye" : "only_eye";
  const limit = rules.urgent_better_eye_worse_than;
  if (worse(better, limit)) {
    const level = limit.hundredths === rules.blindness_hundredths ? "blind" : "worse_than";
    result.note({ code: `${which}_${level}`, va: better.metric, limit: limit.metric }, URGENT);
  }
}

// findings: {right: {presenting, pinhole, lens, untestable}, left: {...}, symptoms: [codes]},
// VAs as read by acuity.js (or null), untestable a reason of vocabulary.untestable (or null);
// ruleFile: the JSON of /screener/app/rules.json.
export function triage(findings, ruleFile) {
  const rules = ruleFile.triage;
  const { eyes, symptoms, decisions } = ruleFile.vocabulary;
  const result = {
    severity: NONE,
    reasons: [],
    failing_eyes: [],
    suspected_cataract: false,
    possible_complication: false,
    note(given, severity = NONE) {
      this.reasons.push(given);
      this.severity = Math.max(this.severity, severity);
    },
  };
  for (const eye of eyes) assessEye(eye, findings[eye], rules, result);
  assessPerson(findings, rules, eyes, result);
  for (const symptom of symptoms) {
    if (findings.symptoms.includes(symptom)) {
      const urgent = rules.urgent_symptoms.includes(symptom);
      result.note({ code: urgent ? "symptom_urgent" : "symptom_review", symptom }, urgent ? URGENT : REVIEW);
    }
  }
  return {
    decision: decisions[result.severity],
    reasons: result.reasons,
    rule_version: ruleFile.version,
    suspected_cataract: result.suspected_cataract,
    possible_complication: result.possible_complication,
    failing_eyes: result.failing_eyes,
  };
}

// A reason as a sentence in the reader's language, like brightline.reasons.render; VAs are
// shown as the server stores them (metric Snellen).
export function sentence(reason, catalogue) {
  const values = {};
  for (const [name, value] of Object.entries(reason)) {
    if (name === "code") continue;
    values[name] = catalogue.words[name]?.[value] ?? value;
  }
  if (reason.code === "unrecognised") return values.text;
  const text = catalogue.templates[reason.code].replace(/%\((\w+)\)s/g, (_, name) => values[name]);
  return text.charAt(0).toUpperCase() + text.slice(1);
}
