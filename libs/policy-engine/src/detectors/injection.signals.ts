/**
 * Prompt-injection / jailbreak signals. Each is a bounded, case-insensitive phrase pattern that starts with
 * one of its trigger words (the triggers run in one Aho-Corasick pass; a pattern is only tried where its
 * trigger occurs). An injection rule sums the weights of the distinct signals of its family found in the
 * text and fires when the sum reaches its threshold (default 1.0). Weak signals (role-play, "developer
 * mode", "no rules") need company to fire; strong ones fire alone. Weights can be overridden per rule.
 */
export const INJECTION_FAMILIES = ['override', 'jailbreak', 'system_prompt_leak', 'indirect'] as const;
export type InjectionFamily = (typeof INJECTION_FAMILIES)[number];

export interface SignalDef {
  readonly id: string;
  readonly family: InjectionFamily;
  readonly weight: number;
  readonly triggers: readonly string[];
  /** `_` stands for 1-3 whitespace characters (keeps every pattern bounded). */
  readonly pattern: string;
  readonly caseSensitive?: boolean;
}

const VERB = '(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|neglect)';
const QUAL =
  '(?:previous|prior|above|earlier|preceding|initial|original|system|existing|safety|ethical|content|developer|programmed|old)';
const NOUN =
  '(?:instructions?|prompts?|rules|directions?|guidelines|guidance|context|messages?|commands?|directives?|constraints|polic(?:y|ies)|programming|training)';
const MODE = '(?:developer|dev|god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|debug)';

export const SIGNALS: readonly SignalDef[] = [
  {
    id: 'ignore_instructions',
    family: 'override',
    weight: 1,
    triggers: ['ignore', 'disregard', 'forget', 'override', 'bypass', 'skip', 'drop', 'abandon', 'neglect'],
    pattern: `${VERB}(?:_(?:all|any|every|each|of|the|your|my|these|those)){0,3}_(?:${QUAL}(?:_(?:and|or)_|_|/)){0,2}${QUAL}_${NOUN}|${VERB}_(?:all|any|every)_(?:of_)?(?:the_|your_|my_)?${NOUN}|${VERB}_(?:the_|your_|all_|these_|those_)${NOUN}_(?:above|before|so_far|you_(?:were|have_been)_given)`,
  },
  {
    id: 'new_instructions',
    family: 'override',
    weight: 0.6,
    triggers: ['new', 'updated', 'real', 'actual', 'revised'],
    pattern:
      '(?:new|updated|real|actual|revised)_(?:system_)?(?:instructions?|rules|directives?|task)\\s{0,2}:',
  },
  {
    id: 'from_now_on',
    family: 'override',
    weight: 0.5,
    triggers: ['from'],
    pattern:
      'from_now_on,?_(?:you_(?:will|must|are|shall|should|can)|always|never|respond|answer|act|only|ignore)',
  },
  {
    id: 'do_not_follow',
    family: 'override',
    weight: 1,
    triggers: ['do', "don't", 'dont', 'stop', 'no'],
    pattern: `(?:do_not|don't|dont|stop|no_longer)_(?:follow(?:ing)?|obey(?:ing)?|adher(?:e|ing)_to|comply(?:ing)?_with)_(?:any_|the_|your_)?(?:${QUAL}_)?${NOUN}`,
  },
  {
    id: 'privileged_mode',
    family: 'override',
    weight: 0.6,
    triggers: ['system', 'admin', 'administrator', 'sudo', 'root'],
    pattern:
      '(?:system|admin|administrator|sudo|root)_(?:override|mode|access)(?:\\s{0,2}:|_(?:enabled|activated|granted))',
  },
  {
    id: 'dan',
    family: 'jailbreak',
    weight: 0.6,
    triggers: ['dan', 'd.a.n'],
    pattern: '(?:DAN|D\\.A\\.N\\.?)(?![A-Za-z])',
    caseSensitive: true,
  },
  { id: 'do_anything_now', family: 'jailbreak', weight: 1, triggers: ['do'], pattern: 'do_anything_now' },
  {
    id: 'mode_switch',
    family: 'jailbreak',
    weight: 0.6,
    triggers: [
      'developer',
      'dev',
      'god',
      'jailbreak',
      'jailbroken',
      'unrestricted',
      'unfiltered',
      'uncensored',
      'evil',
      'chaos',
      'debug',
    ],
    pattern: `${MODE}_mode(?![a-z])`,
  },
  {
    id: 'mode_enabled',
    family: 'jailbreak',
    weight: 1,
    triggers: [
      'developer',
      'dev',
      'god',
      'jailbreak',
      'jailbroken',
      'unrestricted',
      'unfiltered',
      'uncensored',
      'evil',
      'chaos',
      'debug',
    ],
    pattern: `${MODE}_mode_(?:is_)?(?:now_)?(?:enabled|activated|engaged|unlocked)`,
  },
  {
    id: 'enable_mode',
    family: 'jailbreak',
    weight: 1,
    triggers: ['enable', 'activate', 'enter', 'switch', 'turn', 'unlock'],
    // Enabling "developer mode" is ordinary on phones and browsers; only the jailbreak modes count alone.
    pattern:
      '(?:enable|activate|enter|switch_to|turn_on|unlock)_(?:the_)?(?:god|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos)_mode',
  },
  {
    id: 'no_restrictions',
    family: 'jailbreak',
    weight: 0.6,
    triggers: ['no', 'without', 'free', 'zero', 'not'],
    pattern:
      '(?:no|without(?:_any)?|free_(?:of|from)(?:_all)?|zero|not_(?:bound|restricted|limited)_by(?:_any)?|no_longer_bound_by(?:_any)?)_(?:restrictions|limitations|limits|filters|filtering|censorship|boundaries|rules|guidelines|ethical_(?:guidelines|constraints|restrictions)|moral(?:s|_constraints)|content_polic(?:y|ies)|safety_(?:guidelines|measures|filters))',
  },
  {
    id: 'roleplay',
    family: 'jailbreak',
    weight: 0.5,
    triggers: ['pretend', 'imagine', 'roleplay', 'role', 'act', 'you'],
    pattern:
      '(?:pretend|imagine)_(?:that_)?(?:you_(?:are|have|were|can)|to_be)|(?:roleplay|role-play|role_play)_as|act_as_(?:if_you|an?_(?:ai|assistant|model|chatbot)_(?:with|without|that))|you_are_(?:now|no_longer)_',
  },
  {
    id: 'jailbreak_word',
    family: 'jailbreak',
    weight: 0.5,
    triggers: ['jailbr'],
    pattern: 'jailbr(?:eak|oken|eaking)',
  },
  {
    id: 'unfiltered_ai',
    family: 'jailbreak',
    weight: 0.6,
    triggers: ['unfiltered', 'uncensored', 'unrestricted', 'amoral', 'unethical', 'unaligned'],
    pattern:
      '(?:unfiltered|uncensored|unrestricted|amoral|unethical|unaligned)_(?:ai|assistant|model|chatbot|version|responses?|answers?|llm|persona)',
  },
  {
    id: 'stay_in_character',
    family: 'jailbreak',
    weight: 0.4,
    triggers: ['stay'],
    pattern: 'stay_in_character',
  },
  {
    id: 'reveal_own_prompt',
    family: 'system_prompt_leak',
    weight: 1,
    triggers: [
      'reveal',
      'show',
      'print',
      'display',
      'output',
      'repeat',
      'tell',
      'give',
      'leak',
      'dump',
      'share',
      'write',
      'expose',
      'disclose',
      'recite',
      'provide',
      'copy',
      'paste',
      'what',
    ],
    pattern:
      '(?:reveal|show|print|display|output|repeat|tell|give|leak|dump|share|write_out|write_down|expose|disclose|recite|provide|copy|paste|what_(?:is|are|was|were))_(?:me_|us_)?(?:all_)?(?:of_)?your_(?:(?:full|entire|complete|exact|original|hidden|secret|initial|verbatim|real|actual|underlying)_){0,2}(?:system_(?:prompt|message|instructions?)|initial_(?:prompt|instructions?)|hidden_(?:prompt|instructions?)|pre-?prompt|meta-?prompt|developer_(?:prompt|message|instructions?)|instructions|prompt|rules)',
  },
  {
    id: 'reveal_the_prompt',
    family: 'system_prompt_leak',
    weight: 0.6,
    triggers: [
      'reveal',
      'show',
      'print',
      'display',
      'output',
      'repeat',
      'tell',
      'give',
      'leak',
      'dump',
      'share',
      'write',
      'expose',
      'disclose',
      'recite',
      'provide',
      'copy',
      'paste',
    ],
    pattern:
      '(?:reveal|show|print|display|output|repeat|tell|give|leak|dump|share|write_out|expose|disclose|recite|provide|copy|paste)_(?:me_|us_)?the_(?:(?:full|entire|complete|exact|original|hidden|secret|initial|verbatim)_){0,2}(?:system_(?:prompt|message)|hidden_(?:prompt|instructions?)|initial_instructions)',
  },
  {
    id: 'repeat_above',
    family: 'system_prompt_leak',
    weight: 0.6,
    triggers: ['repeat', 'print', 'output', 'copy', 'write', 'reproduce'],
    pattern:
      '(?:repeat|print|output|copy|write|reproduce)_(?:all_|everything_|(?:all_)?the_(?:text|words|content|messages?|lines)_)?(?:above|before_this|that_came_before|prior_to_this)(?:_verbatim)?',
  },
  {
    id: 'begin_with_you_are',
    family: 'system_prompt_leak',
    weight: 0.6,
    triggers: ['start', 'begin', 'starting', 'beginning'],
    pattern: '(?:start|begin)(?:ing)?_(?:your_(?:answer|response|reply)_)?with_["\']?you_are',
  },
  {
    id: 'what_were_you_told',
    family: 'system_prompt_leak',
    weight: 1,
    triggers: ['what'],
    pattern: 'what_(?:were|are|have)_you_(?:been_)?(?:told|instructed|programmed)',
  },
  {
    id: 'system_prompt_mention',
    family: 'system_prompt_leak',
    weight: 0.4,
    triggers: ['system'],
    pattern: 'system_prompt',
  },
  {
    id: 'verbatim',
    family: 'system_prompt_leak',
    weight: 0.4,
    triggers: ['verbatim', 'word-for-word', 'word'],
    pattern: 'verbatim|word-for-word|word_for_word',
  },
];

export function signalSource(def: SignalDef): string {
  return `(?<![A-Za-z0-9])(?:${def.pattern.replace(/_/g, '\\s{1,3}')})`;
}
