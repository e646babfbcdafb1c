// The feedback coach, on the phone: the same rules file the server checks with
// (shared_schemas/coaching_rules.json), so coaching works offline and agrees with the server.
import rules from "../../../shared_schemas/coaching_rules.json";

const CJK = /[\u3400-\u9fff]/g;
const LATIN_WORD = /[a-z0-9]+(?:['-][a-z0-9]+)*/g;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Latin phrases match as whole words; Chinese ones anywhere. */
function pattern(phrase: string, flags = ""): RegExp {
  const lower = phrase.toLowerCase();
  return new RegExp(/^[a-z0-9]/.test(lower) ? `\\b${escape(lower)}\\b` : escape(lower), flags);
}

const byLength = (list: string[]) => [...list].sort((a, b) => b.length - a.length);
const REMOVED = [...byLength(rules.generic_praise), ...byLength(rules.filler_words)].map((p) => pattern(p, "g"));

/** One point per Chinese character, two per Latin word, after praise and filler are gone. */
export function specificity(text: string): number {
  let rest = text.toLowerCase();
  for (const p of REMOVED) rest = rest.replace(p, " ");
  return (rest.match(CJK)?.length ?? 0) + 2 * (rest.match(LATIN_WORD)?.length ?? 0);
}

export function isSpecific(text: string): boolean {
  return specificity(text) >= rules.specific_score;
}

export function labelsIn(text: string): string[] {
  const lower = text.toLowerCase();
  return rules.labels.filter((label) => pattern(label).test(lower));
}
