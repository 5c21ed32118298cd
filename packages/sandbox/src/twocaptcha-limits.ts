/**
 * The request limits the 2Captcha API documentation sets for its protocol ("Request limits" and its
 * table of error codes), for one sandbox account. The sandbox always measures (the most in.php
 * requests seen in any 3 s window, the res.php count against the uploads); it answers with
 * the documented blocks only when the limits are enforced:
 *
 *  MAX_USER_TURN   more than 60 in.php requests within 3 s → in.php blocked for 10 s
 *  ERROR: 1001     120 ERROR_NO_SLOT_AVAILABLE answers in one minute → account blocked 10 min
 *  ERROR: 1003     ERROR_NO_SLOT_AVAILABLE because the queue of unsolved token captchas is full
 *                  (the sandbox's `tokenQueueLimit`), at least 120 of them and three times the
 *                  captchas uploaded, within one minute → account blocked 30 s
 *  ERROR: 1002     120 ERROR_ZERO_BALANCE answers in one minute → account blocked 5 min
 *  ERROR: 1004     5 requests with an incorrect key → the (one, local) IP blocked 10 min
 *  ERROR: 1005     res.php requests R > C × 20 + 1200 (C: captchas uploaded; getbalance counts
 *                  too) → account blocked 5 min; the counts start again when the block ends
 */

export interface TwocaptchaLimitRules {
  inPhpMaxPerWindow: number;
  inPhpWindowMs: number;
  maxUserTurnMs: number;
  resPhpPerCaptcha: number;
  resPhpAllowance: number;
  resPhpBlockMs: number;
  errorsPerMinute: number;
  noSlotBlockMs: number;
  queueBlockMs: number;
  zeroBalanceBlockMs: number;
  wrongKeyMax: number;
  wrongKeyBlockMs: number;
}

/** The figures as the 2Captcha API documentation gives them. */
export const DOCUMENTED_TWOCAPTCHA_LIMITS: TwocaptchaLimitRules = {
  inPhpMaxPerWindow: 60,
  inPhpWindowMs: 3_000,
  maxUserTurnMs: 10_000,
  resPhpPerCaptcha: 20,
  resPhpAllowance: 1_200,
  resPhpBlockMs: 5 * 60_000,
  errorsPerMinute: 120,
  noSlotBlockMs: 10 * 60_000,
  queueBlockMs: 30_000,
  zeroBalanceBlockMs: 5 * 60_000,
  wrongKeyMax: 5,
  wrongKeyBlockMs: 10 * 60_000,
};

export interface TwocaptchaBlock {
  code: string;
  from: number;
  until: number;
}

export interface TwocaptchaLimitCounters {
  /** Every in.php request with the account's key. */
  inPhpRequests: number;
  /** The most in.php requests seen within any window of `inPhpWindowMs` (3 s). */
  maxInPhpPerWindow: number;
  /** Every res.php request with the account's key (get, ids=, getbalance, pingback management…). */
  resPhpRequests: number;
  /** Captchas accepted by in.php. */
  uploads: number;
  /** Every answer that was a block (MAX_USER_TURN, ERROR: 100N). */
  blockedAnswers: number;
  /** Each block as it was imposed. */
  blocks: TwocaptchaBlock[];
}

const MINUTE_MS = 60_000;

export class TwocaptchaLimits {
  private readonly inPhpWindow: number[] = [];
  private readonly noSlotAnswers: number[] = [];
  private readonly queueFullAnswers: number[] = [];
  private readonly recentUploads: number[] = [];
  private readonly zeroBalanceAnswers: number[] = [];
  private wrongKeys = 0;
  /** R and C of the res.php rule since the last 1005 block ended. */
  private resSinceReset = 0;
  private uploadsSinceReset = 0;
  private inPhpBlock: TwocaptchaBlock | undefined;
  private accountBlock: TwocaptchaBlock | undefined;
  private ipBlock: TwocaptchaBlock | undefined;
  private readonly counters: TwocaptchaLimitCounters = {
    inPhpRequests: 0,
    maxInPhpPerWindow: 0,
    resPhpRequests: 0,
    uploads: 0,
    blockedAnswers: 0,
    blocks: [],
  };

  /** `rules` undefined: measure only, never block. */
  constructor(private readonly rules: TwocaptchaLimitRules | undefined) {}

  /** Before the key is checked: the IP block, if any. */
  ipBlocked(at: number): string | undefined {
    return this.answerIfBlocked(this.active(this.ipBlock, at));
  }

  /** A request with an incorrect key; the fifth blocks the IP. */
  wrongKey(at: number): void {
    if (!this.rules) return;
    this.wrongKeys += 1;
    if (this.wrongKeys >= this.rules.wrongKeyMax) {
      this.wrongKeys = 0;
      this.ipBlock = this.block("ERROR: 1004", at, this.rules.wrongKeyBlockMs);
    }
  }

  /** An in.php request with the account's key: counted, then the block it meets, if any. */
  inPhp(at: number): string | undefined {
    this.counters.inPhpRequests += 1;
    const windowMs = this.rules?.inPhpWindowMs ?? DOCUMENTED_TWOCAPTCHA_LIMITS.inPhpWindowMs;
    this.inPhpWindow.push(at);
    while (this.inPhpWindow.length > 0 && at - this.inPhpWindow[0]! >= windowMs) this.inPhpWindow.shift();
    this.counters.maxInPhpPerWindow = Math.max(this.counters.maxInPhpPerWindow, this.inPhpWindow.length);

    const account = this.active(this.accountBlock, at);
    if (account) return this.answerIfBlocked(account);
    if (!this.rules) return undefined;
    if (this.active(this.inPhpBlock, at)) return this.answerIfBlocked(this.inPhpBlock);
    if (this.inPhpWindow.length > this.rules.inPhpMaxPerWindow) {
      this.inPhpBlock = this.block("MAX_USER_TURN", at, this.rules.maxUserTurnMs);
      return this.answerIfBlocked(this.inPhpBlock);
    }
    return undefined;
  }

  /** A res.php request with the account's key: counted against R > C × 20 + 1200, then the block it meets, if any. */
  resPhp(at: number): string | undefined {
    this.counters.resPhpRequests += 1;
    const account = this.active(this.accountBlock, at);
    if (account) return this.answerIfBlocked(account);
    if (!this.rules) return undefined;
    this.resSinceReset += 1;
    if (this.resSinceReset > this.uploadsSinceReset * this.rules.resPhpPerCaptcha + this.rules.resPhpAllowance) {
      this.accountBlock = this.block("ERROR: 1005", at, this.rules.resPhpBlockMs);
      return this.answerIfBlocked(this.accountBlock);
    }
    return undefined;
  }

  /** in.php accepted a captcha. */
  uploaded(at: number): void {
    this.counters.uploads += 1;
    this.uploadsSinceReset += 1;
    if (!this.rules) return;
    this.recentUploads.push(at);
    lastMinute(this.recentUploads, at);
  }

  /**
   * in.php answered an error that the limits count (ERROR_NO_SLOT_AVAILABLE, ERROR_ZERO_BALANCE);
   * `queueFull` when the no-slot answer came from the full token queue.
   */
  errorAnswered(code: string, at: number, queueFull = false): void {
    if (!this.rules) return;
    const rules = this.rules;
    const count = (list: number[]) => {
      list.push(at);
      return lastMinute(list, at);
    };
    if (code === "ERROR_NO_SLOT_AVAILABLE" && queueFull) {
      const errors = count(this.queueFullAnswers);
      if (errors >= rules.errorsPerMinute && errors >= 3 * lastMinute(this.recentUploads, at)) {
        this.queueFullAnswers.length = 0;
        this.accountBlock = this.block("ERROR: 1003", at, rules.queueBlockMs);
      }
      return;
    }
    if (code === "ERROR_NO_SLOT_AVAILABLE" && count(this.noSlotAnswers) >= rules.errorsPerMinute) {
      this.noSlotAnswers.length = 0;
      this.accountBlock = this.block("ERROR: 1001", at, rules.noSlotBlockMs);
    }
    if (code === "ERROR_ZERO_BALANCE" && count(this.zeroBalanceAnswers) >= rules.errorsPerMinute) {
      this.zeroBalanceAnswers.length = 0;
      this.accountBlock = this.block("ERROR: 1002", at, rules.zeroBalanceBlockMs);
    }
  }

  snapshot(): TwocaptchaLimitCounters {
    return { ...this.counters, blocks: this.counters.blocks.map((b) => ({ ...b })) };
  }

  private block(code: string, at: number, forMs: number): TwocaptchaBlock {
    const block = { code, from: at, until: at + forMs };
    this.counters.blocks.push(block);
    return block;
  }

  /** The block if it still holds at `at`; a 1005 block that has ended starts the res.php counts again. */
  private active(block: TwocaptchaBlock | undefined, at: number): TwocaptchaBlock | undefined {
    if (!block) return undefined;
    if (at < block.until) return block;
    if (block === this.accountBlock) {
      if (block.code === "ERROR: 1005") {
        this.resSinceReset = 0;
        this.uploadsSinceReset = 0;
      }
      this.accountBlock = undefined;
    }
    return undefined;
  }

  private answerIfBlocked(block: TwocaptchaBlock | undefined): string | undefined {
    if (!block) return undefined;
    this.counters.blockedAnswers += 1;
    return block.code;
  }
}

/** Drops the times older than a minute before `at`; how many are left. */
function lastMinute(times: number[], at: number): number {
  while (times.length > 0 && at - times[0]! >= MINUTE_MS) times.shift();
  return times.length;
}
