'use strict';
// Bounded load: a fixed request rate (at most `maxInFlight` open), one request id per request.
const { Agent, request } = require('undici');

class Load {
  constructor({ gatewayUrl, apiKey, model, rate, maxInFlight = 64, prefix }) {
    this.model = model;
    this.gatewayUrl = gatewayUrl;
    this.apiKey = apiKey;
    this.rate = rate;
    this.maxInFlight = maxInFlight;
    this.prefix = prefix;
    this.agent = new Agent({ connections: maxInFlight, keepAliveTimeout: 10_000 });
    /** request id → HTTP status, or 'connection' / 'timeout' when no answer came. */
    this.outcomes = new Map();
    /** request id → when its 200 completed (ms). */
    this.acknowledgedAt = new Map();
    /** 401s: when each came (a valid key must never get one). */
    this.unauthorized = [];
    this.inFlight = 0;
    this.sent = 0;
    this.timer = null;
  }

  start() {
    const started = Date.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * this.rate);
      while (this.sent < due && this.inFlight < this.maxInFlight) this.fire(`${this.prefix}-${this.sent++}`);
      if (this.sent < due) this.sent = due; // skipped, not queued: the load stays bounded
    }, 10);
  }

  async stop() {
    clearInterval(this.timer);
    while (this.inFlight > 0) await new Promise((done) => setTimeout(done, 20));
    await this.agent.close();
  }

  fire(id) {
    this.inFlight++;
    request(`${this.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        'content-type': 'application/json',
        'x-request-id': id,
      },
      body: JSON.stringify({ model: this.model, messages: [{ role: 'user', content: 'chaos' }] }),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
      .then(async (response) => {
        await response.body.text();
        this.outcomes.set(id, response.statusCode);
        if (response.statusCode === 200) this.acknowledgedAt.set(id, Date.now());
        if (response.statusCode === 401) this.unauthorized.push(Date.now());
      })
      .catch((error) => this.outcomes.set(id, /timeout/i.test(error.code ?? '') ? 'timeout' : 'connection'))
      .finally(() => this.inFlight--);
  }

  acknowledged() {
    return [...this.outcomes].filter(([, status]) => status === 200).map(([id]) => id);
  }

  /** Requests answered 200 before a moment (the backlog a fault left). */
  acknowledgedBefore(ms) {
    return [...this.acknowledgedAt].filter(([, at]) => at < ms).map(([id]) => id);
  }

  /** Non-200 outcomes counted by status. */
  errorsByStatus() {
    const counts = {};
    for (const status of this.outcomes.values())
      if (status !== 200) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  }
}

module.exports = { Load };
