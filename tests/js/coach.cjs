// Runs the phone's coach (pwa/src/feedback/coach.ts) on texts read from stdin (a JSON list)
// and prints, for each, its specificity score and the labels found, so a Python test can
// check that the phone coaches exactly as the server checks.
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "../..");
const ts = require(path.join(root, "pwa/node_modules/typescript"));

const source = fs.readFileSync(path.join(root, "pwa/src/feedback/coach.ts"), "utf8");
const { outputText } = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
});
const rules = JSON.parse(fs.readFileSync(path.join(root, "shared_schemas/coaching_rules.json"), "utf8"));
const coach = { exports: {} };
new Function("require", "module", "exports", outputText)(
  (name) => {
    if (name.endsWith("coaching_rules.json")) return rules;
    throw new Error(`unexpected import ${name}`);
  },
  coach,
  coach.exports,
);

const texts = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(
  JSON.stringify(texts.map((text) => ({ specificity: coach.exports.specificity(text), labels: coach.exports.labelsIn(text) }))),
);
