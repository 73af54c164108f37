/**
 * What an `/instructions` command, the editor or forget-me produced, as typed values: a kind and its
 * parameters. The core decides; each platform words and formats the result at its edge (see
 * `src/messages/`), so that no Markdown meaning one thing on Slack and another on Discord leaves the core.
 */
import type { ErrorCode } from '../errors.js';
import type { AppliedLayerName, AppliedSummary, ShowAppliedMode } from '../reply/applied.js';
import type { InstructionAction } from '../storage/index.js';
import type { Platform } from '../types.js';

/** A person's own fields. */
export type Field = 'about' | 'respond';
/** The layers admins set. */
export type Layer = 'channel' | 'workspace';

/** Why a command line could not be understood, with what is needed to say so. */
export type ParseProblem =
  /** `set`, `about`, `add` or `<layer> set` with no text after it. */
  | { code: 'missing_text'; form: 'set' | 'about' | 'add' | 'layer_set'; word: string }
  /** `restore` with no number (`given` is '') or something that is not one. */
  | { code: 'bad_version'; given: string }
  /** A first word that is not a subcommand; `suggestion` is the nearest known word. */
  | { code: 'unknown_subcommand'; given: string; suggestion?: string }
  /**
   * A form that takes nothing after it got text: `word` as typed (`forgetme`), `form` as it should be (`forget-me`).
   */
  | { code: 'unexpected_text'; word: string; form: string; given: string }
  /** `checks` followed by something other than on or off. */
  | { code: 'bad_checks_setting'; given: string }
  /** `<layer>` with no action or an unknown one. */
  | { code: 'bad_layer_action'; word: string; given: string }
  /** `applied` with something other than `on` or `off`. */
  | { code: 'bad_switch'; word: string; given: string };

/** Why a link code was not accepted. */
export type LinkRefusal =
  /** No such code: mistyped, or already used (codes are single-use). */
  | 'unknown_code'
  | 'expired_code'
  /** The code was issued by this same identity. */
  | 'own_code'
  /** Too many wrong codes lately; `/instructions link CODE` works again later. */
  | 'too_many_attempts'
  /** These two identities are already linked. */
  | 'already_linked'
  /** Both identities are linked, to different profiles: one must unlink first. */
  | 'linked_elsewhere';

/** Why Heed drafts no edit from a report. */
export type NoEditReason = 'no_model' | 'no_note' | 'not_asker' | 'model_failed' | 'no_change' | 'too_long';

/** One layer as Why this answer? shows it: its version, and its text at that version if still stored. */
export interface WhyLayer {
  layer: AppliedLayerName;
  version: number;
  /** The layer's text at that version (`about` is empty for channel and workspace rules); null once deleted. */
  text: { about: string; respond: string } | null;
}

/** One line of `/instructions history`. */
export interface HistoryLine {
  version: number;
  current: boolean;
  createdAt: string;
  action: InstructionAction;
  restoredFrom: number | null;
  enabled: boolean;
  respond: string;
}

/** The person's instructions as `show` and the editor present them. */
export interface InstructionsContent {
  about: string;
  respond: string;
  enabled: boolean;
}

/** What is checked on every reply (compliance), listed under `show`, a save, `preview` and the layer views. */
export interface ChecksList {
  /** Whose replies: the person's own layer (`you`), everything in force for them here (`here`), or a layer's. */
  scope: 'you' | 'here' | Layer;
  /** Short labels, e.g. "at most 3 bullet points". Never empty. */
  labels: string[];
  /** The person turned checking of their own replies off. */
  checkingOff: boolean;
}

/** The result of an `/instructions` command, for the adapter to render. Always visible only to the author. */
export type CommandResult =
  | { kind: 'invalid'; problem: ParseProblem }
  | { kind: 'help' }
  | ({ kind: 'editor'; limits: Record<Field, number> } & InstructionsContent)
  /** `elsewhere`: the other platforms of a linked profile, deleted too. */
  | { kind: 'confirm_forget_me'; elsewhere: Platform[] }
  | ({ kind: 'shown'; version: number } & InstructionsContent)
  /** There is nothing set yet, so `show`, `clear`, `on`/`off` or `history` have nothing to work on. */
  | { kind: 'nothing_set'; command: 'show' | 'clear' | 'toggle' | 'history' | 'undo' | 'restore' }
  | { kind: 'saved'; field: Field; version: number; paused: boolean }
  | { kind: 'unchanged'; field: Field; version: number }
  /** A field or layer is over the limit; `adding` when it is `add` that would make it so. Nothing was changed. */
  | { kind: 'too_long'; target: Field | Layer; length: number; limit: number; adding: boolean }
  | { kind: 'added'; respond: string; version: number; paused: boolean }
  | { kind: 'cleared'; version: number }
  | { kind: 'already'; enabled: boolean }
  | { kind: 'toggled'; enabled: boolean; version: number }
  | { kind: 'preview'; prompt: string }
  | { kind: 'history'; lines: HistoryLine[]; older: number }
  /** Undo has reached the state before the first version. */
  | { kind: 'undo_exhausted' }
  /** The version asked for (or the one undo needs) is not stored. `latest` is the newest there is. */
  | { kind: 'version_missing'; version: number; latest: number; by: 'undo' | 'restore' }
  /** Undone to the content of version `to` (0: nothing), saved as `version`. */
  | { kind: 'undone'; to: number; version: number }
  | { kind: 'restored'; from: number; version: number }
  /** Channel rules in a DM, or workspace rules outside a workspace. */
  | { kind: 'layer_unavailable'; layer: Layer }
  | { kind: 'layer_shown'; layer: Layer; text: string; version: number; setBy: string }
  | { kind: 'layer_empty'; layer: Layer; command: 'show' | 'clear' }
  | { kind: 'admins_only'; layer: Layer }
  | { kind: 'layer_cleared'; layer: Layer; version: number }
  | { kind: 'layer_saved'; layer: Layer; version: number }
  /** `elsewhere`: the other linked platforms whose data was deleted too (empty when not linked). */
  | { kind: 'forgotten'; versions: number; replies: number; reports: number; elsewhere: Platform[] }
  /** `/instructions applied on|off`; `mode` is the operator's HEED_SHOW_APPLIED, which may hide it anyway. */
  | { kind: 'applied_set'; show: boolean; mode: ShowAppliedMode }
  /** A one-time code to enter on the other platform within `minutes`. */
  | { kind: 'link_code'; code: string; minutes: number }
  /** Joined. `with`: the other platforms of the profile; `from`: whose instructions the profile carries. */
  | { kind: 'linked'; with: Platform[]; from: Platform | 'none' }
  | { kind: 'link_refused'; reason: LinkRefusal }
  /** Split: `from` the platforms this identity was linked with; it keeps a copy (`copied` when there was one). */
  | { kind: 'unlinked'; from: Platform[]; copied: boolean }
  | { kind: 'not_linked' }
  /** Why this answer?, shown to the asker only. */
  | { kind: 'why'; applied: AppliedSummary; layers: WhyLayer[]; leftOut: string[]; leftOutCount: number }
  | { kind: 'why_unavailable'; reason: 'not_a_reply' | 'not_yours' | 'not_recorded' }
  /** An edit of "how to respond" drafted from a report's note, for the reporter to accept or dismiss. */
  | { kind: 'edit_suggested'; reportId: string; before: string; after: string }
  | { kind: 'edit_not_offered'; reason: NoEditReason }
  | { kind: 'edit_accepted'; version: number }
  | { kind: 'edit_dismissed' }
  /** The suggestion is gone or already decided. */
  | { kind: 'edit_gone' }
  /** "How to respond" changed since the draft, so accepting it would undo that change: nothing was saved. */
  | { kind: 'edit_stale' }
  /** Something on our side failed; nothing was changed. */
  | { kind: 'failed'; action: 'command' | 'forget-me'; code: ErrorCode }
  /** Compliance: another result, followed by the checks it concerns. */
  | { kind: 'with_checks'; result: CommandResult; checks: ChecksList }
  /** `checks`: what is checked on the person's replies here (`checks` undefined: nothing is). */
  | { kind: 'checks_listed'; checks?: ChecksList; checkingOff: boolean }
  /** `checks on|off` changed the setting, or it already was so. */
  | { kind: 'checks_toggled' | 'checks_already'; enabled: boolean };

/** The kinds of CommandResult, for tests and renderers. */
export type CommandResultKind = CommandResult['kind'];

/** Saving the editor: a new version, no change, the fields that are too long, or a failure on our side. */
export type EditorResult =
  | { kind: 'editor_saved'; version: number; paused: boolean; checks?: ChecksList }
  | { kind: 'editor_unchanged'; version: number }
  | { kind: 'editor_invalid'; tooLong: Partial<Record<Field, { length: number; limit: number }>> }
  | { kind: 'failed'; action: 'save'; code: ErrorCode };
