/** A row of chips choosing one of a few views of a list (which kudos, which feedback box). */
export function ChipTabs<T extends string>({ options, chosen, onChoose, label, testId }: { options: T[]; chosen: T; onChoose: (option: T) => void; label: (option: T) => string; testId: (option: T) => string }) {
  return (
    <div class="chips" role="tablist">
      {options.map((option) => (
        <button key={option} type="button" role="tab" aria-selected={chosen === option} class={`chip ${chosen === option ? "attention" : ""}`} onClick={() => onChoose(option)} data-testid={testId(option)}>
          {label(option)}
        </button>
      ))}
    </div>
  );
}
