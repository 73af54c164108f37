/**
 * Message subtypes that are still a person talking (a file shared with text, a reply also sent to the
 * channel). Its own module, free of Bolt, so that the events thread can use it without loading the SDK.
 */
export const ANSWERABLE_SUBTYPES: ReadonlySet<string> = new Set(['file_share', 'thread_broadcast']);
