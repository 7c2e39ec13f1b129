/** Slack's documented limits, and the margins we keep under them, as data the renderer reads. */
export const SLACK_LIMITS = {
  /** Blocks in one message. */
  blocksPerMessage: 50,
  /** Blocks in a Home tab view (views.publish). */
  homeBlocks: 100,
  /** Characters of a section's text. */
  sectionText: 3000,
  /** Characters of a header block (plain text). */
  headerText: 150,
  /** Fields in one section. */
  fieldsPerSection: 10,
  /** Characters of one field. */
  fieldText: 2000,
  /** Elements in one context block. */
  contextElements: 10,
  /** Characters of one context element. */
  contextText: 2000,
  /** Elements in one actions block. */
  actionsElements: 25,
  /** Characters of a button's label. */
  buttonText: 75,
  /** Characters of a button's value (the typed command it runs). */
  buttonValue: 2000,
  /** Characters of a confirm dialog's title, text and button labels. */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Serialized size of a message's blocks; Slack answers msg_blocks_too_long near 13,000. */
  messageChars: 12000,
  /** Characters of the notification fallback text. */
  fallbackText: 300,
  /** Messages one reply may take; a response_url accepts 5 posts. Past it, the reply is summarized with the full text attached. */
  messagesPerReply: 5,
  /** Code-block pages one table may take inline; past it, the first pages are shown and the full table is attached as CSV. */
  tablePagesInline: 2,
  /** Posts to one channel are spaced by this much (Slack allows about one message a second a channel). */
  channelPostIntervalMs: 1000,
} as const;

export type SlackLimits = { -readonly [K in keyof typeof SLACK_LIMITS]: number };

/** Block Kit's limits for modals (views.open, views.update, response_action). */
export const SLACK_MODAL_LIMITS = {
  /** Blocks in one modal. */
  blocks: 100,
  /** Characters of the modal's title, and of its submit and close buttons. */
  title: 24,
  /** Characters of an input block's label and hint. */
  label: 2000,
  /** Characters of a plain_text_input's placeholder. */
  placeholder: 150,
  /** Characters a plain_text_input takes. */
  inputChars: 3000,
  /** Options of a static_select, characters of an option's text and value. */
  options: 100,
  optionText: 75,
  optionValue: 150,
  /** Characters of private_metadata. */
  metadata: 3000,
  /** Characters of a section's text. */
  sectionText: 3000,
} as const;
