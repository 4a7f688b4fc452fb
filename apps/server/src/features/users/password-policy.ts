/**
 * The password policy, applied to every new plaintext password: `createUser` / `updateUser` with
 * `password`, the hosted sign-up, and the password reset (API `resetPassword` and the hosted page).
 * Imported hashes are not checked: Portico cannot see the password behind them.
 *
 * The rules, in order (each failure is one `{ code, message }` in `errors[]`):
 * 1. length: at least PORTICO_PASSWORD_MIN_LENGTH characters (default 8, NIST SP 800-63B §3.1.1.2),
 *    at most 1024 (argon2id hashes any length, but an unbounded body is a CPU lever);
 * 2. known breached / most common passwords: the bundled list of @zxcvbn-ts/language-common
 *    (`passwords-common`, built from breach corpora) plus a few Portico adds, compared
 *    case-insensitively with the whole password — refused whatever its estimated strength;
 * 3. strength: zxcvbn's estimate (0–4) must reach PORTICO_PASSWORD_MIN_STRENGTH (default 2,
 *    "somewhat guessable": at least 10^6 guesses, enough against a throttled online attacker when
 *    the hash is argon2id). The user's email and name count as guessable words.
 *
 * The estimate reads at most the first 64 characters (zxcvbn's cost grows with length; a longer
 * password is long enough) and runs without Levenshtein matching (which costs ~100 ms a check).
 */
import { type FeedbackType, ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

export const PASSWORD_MAX_LENGTH = 1024;
const ESTIMATE_LENGTH = 64;

export interface PasswordPolicy {
  /** Fewest characters accepted (8 by default). */
  minLength: number;
  /** Lowest zxcvbn score accepted, 0–4 (2 by default; 0 turns the estimate off). */
  minStrength: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 8, minStrength: 2 };

export interface PasswordIssue {
  code: 'password_too_short' | 'password_too_long' | 'password_breached' | 'password_too_weak';
  message: string;
}

/** Passwords Portico refuses besides zxcvbn's list (they are not all in it). */
const EXTRA_COMMON = ['password1', 'qwertyui', 'letmein1', 'abc12345', 'iloveyou'];

let zxcvbn: ZxcvbnFactory | undefined;
let breached: Set<string> | undefined;
function estimator() {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
    useLevenshteinDistance: false,
    maxLength: ESTIMATE_LENGTH,
  });
  return zxcvbn;
}
function breachedList() {
  breached ??= new Set(
    [...common.dictionary['passwords-common'], ...EXTRA_COMMON].map((p) => p.toLowerCase()),
  );
  return breached;
}

/** zxcvbn's feedback keys, said plainly. */
const WARNINGS: Record<string, string> = {
  straightRow: 'a straight row of keys on the keyboard is easy to guess',
  keyPattern: 'a short keyboard pattern is easy to guess',
  simpleRepeat: 'repeated characters such as "aaa" are easy to guess',
  extendedRepeat: 'repeated patterns such as "abcabcabc" are easy to guess',
  sequences: 'common sequences such as "abc" or "1234" are easy to guess',
  recentYears: 'recent years are easy to guess',
  dates: 'dates are easy to guess',
  topTen: 'it is one of the ten most used passwords',
  topHundred: 'it is one of the hundred most used passwords',
  common: 'it is a commonly used password',
  similarToCommon: 'it is too close to a commonly used password',
  wordByItself: 'a single word is easy to guess',
  namesByThemselves: 'names on their own are easy to guess',
  commonNames: 'common names and surnames are easy to guess',
  userInputs: 'it contains your email address or name',
  pwned: 'it appears in known data breaches',
};
const SUGGESTIONS: Record<string, string> = {
  l33t: 'swapping letters for look-alikes ("@" for "a") does not help much',
  reverseWords: 'a common word spelled backwards is still easy to guess',
  allUppercase: 'capitalise some letters, not all',
  capitalization: 'capitalising the first letter does not help much',
  dates: 'avoid dates and years that are associated with you',
  recentYears: 'avoid recent years',
  associatedYears: 'avoid years that are associated with you',
  sequences: 'avoid common character sequences',
  repeated: 'avoid repeated words and characters',
  longerKeyboardPattern: 'use longer keyboard patterns and change typing direction',
  anotherWord: 'add more words that are less common',
  useWords: 'use several words, but avoid common phrases',
  noNeed: 'you can create strong passwords without symbols, numbers, or uppercase letters',
  pwned: 'change it wherever else you use it',
};

function explain(feedback: FeedbackType): string {
  const why = feedback.warning ? (WARNINGS[feedback.warning] ?? null) : null;
  const tips = feedback.suggestions.map((s) => SUGGESTIONS[s]).filter(Boolean);
  const fix = tips.length
    ? tips.join('; ')
    : 'add more uncommon words, for example a short phrase of four words';
  return `The password is too easy to guess${why ? `: ${why}` : ''}. To fix it, ${fix}.`;
}

/**
 * What is wrong with `password` under `policy`, or an empty list. `userInputs` (email, names) are
 * treated as words an attacker would try first.
 */
export function checkPassword(
  password: string,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  userInputs: (string | null | undefined)[] = [],
): PasswordIssue[] {
  const length = [...password].length;
  if (length < policy.minLength) {
    return [
      {
        code: 'password_too_short',
        message: `The password must be at least ${policy.minLength} characters long (it has ${length}). A short phrase of several words is long enough and easy to remember.`,
      },
    ];
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return [
      {
        code: 'password_too_long',
        message: `The password must be at most ${PASSWORD_MAX_LENGTH} characters long (it has ${length}).`,
      },
    ];
  }
  if (breachedList().has(password.toLowerCase()) || /^(.)\1+$/u.test(password)) {
    return [
      {
        code: 'password_breached',
        message:
          'This password is too common: it is one of the most common passwords found in data breaches, so attackers try it first. Choose a different one, for example a short phrase of four uncommon words.',
      },
    ];
  }
  if (policy.minStrength > 0) {
    const inputs = userInputs.flatMap((v) =>
      v ? [v, ...v.split(/[@.\s_-]+/).filter((p) => p.length > 2)] : [],
    );
    const result = estimator().check(password, inputs);
    if (result.score < policy.minStrength)
      return [{ code: 'password_too_weak', message: explain(result.feedback) }];
  }
  return [];
}
