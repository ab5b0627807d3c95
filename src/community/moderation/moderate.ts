// One call per group message: fold the text once, then the four detectors, then a suggested action per verdict and
// for the message. A Moderator serves one brand (its lexicons, policy and flooding windows) and is synchronous and
// allocation-light, so the intake can call it inline for every message it has stored (~50 µs for a long one).
//
//   fold → words (sensitive + advertising trigger words) → advertising → flooding → abuse → actions
import { detectAdvertising } from './advertising.ts';
import { FloodTracker } from './flooding.ts';
import { FoldedText } from './folded-text.ts';
import type { Lexicon, Span, WordHit } from './lexicon.ts';
import type { GroupMessageInput } from './message.ts';
import { DEFAULT_POLICY, type ModerationPolicy } from './policy.ts';
import { findWords } from './sensitive.ts';
import type { OffensiveClassifier } from './abuse/classifier.ts';
import { mergeSpans, span, strongest, type Action, type Finding, type ModerationResult, type RuleKind, type Severity, type Verdict } from './verdict.ts';

/** Where a moderator reads its word lists from on every message, so a swapped-in lexicon applies at once. */
export interface LexiconSource {
  current(): readonly Lexicon[];
}

export interface ModeratorOptions {
  lexicons: LexiconSource | readonly Lexicon[];
  /** The offensive-language classifier; null turns the abuse check off. */
  classifier: OffensiveClassifier | null;
  policy?: ModerationPolicy;
}

// How many of the classifier's strongest n-grams to show as the reason of an abuse verdict.
const ABUSE_SIGNALS = 3;

export class Moderator {
  private readonly text = new FoldedText();
  private readonly hits: WordHit[] = [];
  private readonly allowed: Span[] = [];
  private readonly source: LexiconSource;
  private readonly classifier: OffensiveClassifier | null;
  private policy: ModerationPolicy;
  private readonly flood: FloodTracker;

  constructor(options: ModeratorOptions) {
    const lexicons = options.lexicons;
    this.source = 'current' in lexicons ? lexicons : { current: () => lexicons };
    this.classifier = options.classifier;
    this.policy = options.policy ?? DEFAULT_POLICY;
    this.flood = new FloodTracker(this.policy.flooding);
  }

  setPolicy(policy: ModerationPolicy) {
    this.policy = policy;
    this.flood.setPolicy(policy.flooding);
  }

  /** Records held by the flooding windows (bounded by the messages of the last window). */
  get trackedWindows() {
    return this.flood.tracked;
  }

  moderate(message: GroupMessageInput): ModerationResult {
    const p = this.policy;
    const text = this.text.load(message.text ?? '');
    const checkConduct = !(p.exemptStaff && message.senderRole === 'staff');

    const words = findWords(text, this.source.current(), this.hits, this.allowed);
    const sensitive = verdict('sensitive', words.sensitive, words.severity, p);

    const ads = checkConduct ? detectAdvertising(message, text, words.adWords, p) : { findings: [], severity: null, score: 0 };
    const advertising = verdict('advertising', ads.findings, ads.severity, p, ads.score);

    const flood = checkConduct ? this.flood.observe(message.groupId, message.senderId, text, message.sentAt) : { findings: [], severity: null };
    const flooding = verdict('flooding', flood.findings, flood.severity, p);

    const abuse = this.abuse(text);

    const verdicts = [sensitive, advertising, flooding, abuse];
    let action: Action = 'none';
    for (const v of verdicts) action = strongest(action, v.action);
    // An advert sent again and again is a spammer, not a customer: keep them out of the brand's other groups too.
    if (advertising.severity === 'high' && flooding.flagged) action = strongest(action, 'blacklist');
    const spans = verdicts.flatMap((v) => v.findings.flatMap((f) => (f.span ? [f.span] : [])));
    return {
      messageId: message.id,
      groupId: message.groupId,
      senderId: message.senderId,
      flagged: verdicts.some((v) => v.flagged),
      action,
      verdicts,
      highlights: mergeSpans(spans, text.original),
    };
  }

  private abuse(text: FoldedText): Verdict {
    const p = this.policy;
    if (!this.classifier || text.length === 0) return verdict('abuse', [], null, p);
    const probability = this.classifier.probability(text);
    const severity: Severity | null = probability >= p.abuse.high ? 'high' : probability >= p.abuse.medium ? 'medium' : probability >= p.abuse.low ? 'low' : null;
    if (!severity) return verdict('abuse', [], null, p, round(probability));
    const signals = this.classifier.signals(text, ABUSE_SIGNALS);
    const finding: Finding = {
      code: 'offensive_language',
      reason: `疑似冒犯性言论（模型置信度 ${Math.round(probability * 100)}%）${signals.length ? `，依据「${signals.map((s) => s.text).join('」「')}」` : ''}`,
      score: round(probability),
      detail: { probability: round(probability) },
    };
    const findings = [finding, ...signals.map((s) => ({ code: 'offensive_language' as const, reason: `冒犯性信号「${s.text}」`, score: round(s.weight), span: span(text.original, s.start, s.end) }))];
    return verdict('abuse', findings, severity, p, round(probability));
  }
}

function verdict(kind: RuleKind, findings: Finding[], severity: Severity | null, p: ModerationPolicy, score?: number): Verdict {
  return {
    kind,
    flagged: severity !== null,
    severity,
    score: score ?? findings.reduce((s, f) => s + f.score, 0),
    findings,
    action: severity ? p.actions[kind][severity] : 'none',
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
