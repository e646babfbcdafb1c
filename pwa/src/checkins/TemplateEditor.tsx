// HR edits the company's check-in questions: three sections, each with its minutes and up to
// six prompts in both languages. Publishing makes a new version; check-ins already held keep
// the version they used. Loaded only when opened (HR work, not the phone's daily flow).
import { useState } from "preact/hooks";
import type { CheckinTemplate } from "../api/client";
import { failure } from "../goals/parts";
import { useI18n } from "../i18n";
import { synchronize } from "../offline/sync";
import { authorized } from "../session";

type Section = CheckinTemplate["sections"][number];
type Prompt = Section["prompts"][number];
const MAX_PROMPTS = 6;

export function TemplateEditor({ userId, template, online, onDone }: { userId: string; template: CheckinTemplate; online: boolean; onDone: (published: CheckinTemplate | null) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(template.name);
  const [sections, setSections] = useState<Section[]>(template.sections);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const changeSection = (index: number, change: Partial<Section>) => setSections(sections.map((s, i) => (i === index ? { ...s, ...change } : s)));
  const changePrompt = (index: number, promptIndex: number, change: Partial<Prompt>) =>
    changeSection(index, { prompts: sections[index].prompts.map((p, i) => (i === promptIndex ? { ...p, ...change } : p)) });

  async function publish(e: Event) {
    e.preventDefault();
    setBusy(true);
    try {
      const published = await authorized<CheckinTemplate>("/api/checkin-templates", {
        method: "POST",
        body: JSON.stringify({ name, sections, replaces_id: template.id }),
      });
      await synchronize(userId);
      onDone(published);
    } catch (err) {
      setError(failure(t, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="screen">
      <form class="stack" onSubmit={publish} data-testid="template-editor">
        <h1>{t((m) => m.checkins.templateTitle)}</h1>
        <p class="muted">{t((m) => m.checkins.templateHint, { version: template.version })}</p>
        <label>
          {t((m) => m.checkins.templateName)}
          <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        {sections.map((section, index) => (
          <fieldset key={section.key} class="stack card" data-testid={`template-${section.key}`}>
            <legend>{t((m) => m.checkins.section[section.key])}</legend>
            <label>
              {t((m) => m.checkins.minutes)}
              <input type="number" required min={1} max={30} value={section.minutes} onInput={(e) => changeSection(index, { minutes: Number(e.currentTarget.value) })} />
            </label>
            {section.prompts.map((prompt, promptIndex) => (
              <div key={promptIndex} class="stack">
                <label>
                  {t((m) => m.checkins.promptZh, { number: promptIndex + 1 })}
                  <textarea required maxLength={500} value={prompt.zh_cn} onInput={(e) => changePrompt(index, promptIndex, { zh_cn: e.currentTarget.value })} data-testid="prompt-zh" />
                </label>
                <label>
                  {t((m) => m.checkins.promptEn, { number: promptIndex + 1 })}
                  <textarea required maxLength={500} value={prompt.en} onInput={(e) => changePrompt(index, promptIndex, { en: e.currentTarget.value })} data-testid="prompt-en" />
                </label>
                {section.prompts.length > 1 && (
                  <button type="button" class="quiet" onClick={() => changeSection(index, { prompts: section.prompts.filter((_, i) => i !== promptIndex) })}>
                    {t((m) => m.checkins.removePrompt)}
                  </button>
                )}
              </div>
            ))}
            {section.prompts.length < MAX_PROMPTS && (
              <button type="button" class="quiet" onClick={() => changeSection(index, { prompts: [...section.prompts, { zh_cn: "", en: "" }] })} data-testid="add-prompt">
                {t((m) => m.checkins.addPrompt)}
              </button>
            )}
          </fieldset>
        ))}
        {error && <p class="error">{error}</p>}
        {!online && <p class="muted">{t((m) => m.feedback.needsNetwork)}</p>}
        <div class="actions">
          <button class="primary" type="submit" disabled={busy || !online} data-testid="publish-template">
            {t((m) => m.checkins.publish)}
          </button>
          <button type="button" class="quiet" onClick={() => onDone(null)}>
            {t((m) => m.goals.cancel)}
          </button>
        </div>
      </form>
    </main>
  );
}
