// Community moderation: checks each customer-group message for sensitive words, advertising, flooding and offensive
// language, and answers verdicts with reasons, spans and a suggested action. The WeCom group-message intake calls
// `Moderator.moderate` for every stored message; rules, the review queue and reports (举报) build on its result.
export { Moderator, type LexiconSource, type ModeratorOptions } from './moderate.ts';
export { LexiconStore, brandLexiconInput, type BrandList, type PublicListStatus } from './lexicon-store.ts';
export { Lexicon, WORD_CATEGORIES, type LexiconInput, type WordCategory, type WordInput, type WordVariant } from './lexicon.ts';
export { loadPublicLists, defaultListsDir } from './lists.ts';
export { OffensiveClassifier } from './abuse/classifier.ts';
export { GroupMessageSchema, MESSAGE_TYPES, type GroupMessage, type GroupMessageInput } from './message.ts';
export { DEFAULT_POLICY, ModerationPolicySchema, policyWith, type ModerationPolicy } from './policy.ts';
export {
  ACTIONS,
  FINDING_CODES,
  ModerationResultSchema,
  RULE_KINDS,
  VerdictSchema,
  type Action,
  type Finding,
  type FindingCode,
  type ModerationResult,
  type RuleKind,
  type Severity,
  type Verdict,
} from './verdict.ts';
