// The feedback coach, on the phone: the same rules file the server checks with
// (shared_schemas/coaching_rules.json), so coaching works offline and agrees with the server.
import rules from "../../../shared_schemas/coaching_rules.json";

const CJK = /[\u3400-\u9fff]/g;
const LATIN_WORD = /[a-z0-9]+(?:['-][a-z0-9]+)*/g;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Latin phrases match as whole words; Chinese ones anywhere. */
function pattern(phrase: string): RegExp {
  const lower = phrase.toLowerCase();
  return new RegExp(/^[a-z0-9]/.test(lower) ? `\\b${escape(lower)}\\b` : escape(lower));
}

/** All phrases of a list in one pattern, longest first, so "干得好" goes whole before "好"
 * could split it. */
function removal(list: string[]): RegExp {
  const phrases = [...list].sort((a, b) => b.length - a.length);
  return new RegExp(phrases.map((p) => `(?:${pattern(p).source})`).join("|"), "g");
}
const REMOVED = [removal(rules.generic_praise), removal(rules.filler_words)];

/** One point per Chinese character, two per Latin word, after praise, then filler, are gone. */
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
