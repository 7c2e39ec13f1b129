/** Discord's documented limits, as data: rendering and registration stay within them. */
export const DISCORD_LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  filesPerMessage: 10,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  commandName: 32,
  commandDescription: 100,
  optionName: 32,
  optionDescription: 100,
  optionsPerCommand: 25,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
  autocompleteResults: 25,
  /** Seconds to acknowledge an interaction. */
  ackSeconds: 3,
  /** Minutes an interaction token stays valid for edits and follow-ups. */
  tokenMinutes: 15,
} as const;

/** Discord's limits for modals (interaction callback type 9). */
export const DISCORD_MODAL_LIMITS = {
  /** Text inputs in one modal (one per action row). */
  inputs: 5,
  /** Characters of a modal's title and of a text input's label. */
  title: 45,
  label: 45,
  /** Characters of a label component's description. */
  labelDescription: 100,
  /** Characters of a text input's placeholder. */
  placeholder: 100,
  /** Characters a text input takes. */
  inputChars: 4000,
} as const;
