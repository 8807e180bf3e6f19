import { CORPUS, INJECTION_CORPUS } from './index';
import { measureCorpus } from './corpus-metrics';

// Behaviour, not speed: the labelled corpus must keep the detector quality the README promises.
describe('labelled corpus', () => {
  const { metrics } = measureCorpus(CORPUS);
  const byCategory = new Map(metrics.map((m) => [m.category, m]));

  it.each([
    'pii.card',
    'pii.iban',
    'pii.email',
    'secret.openai_key',
    'secret.anthropic_key',
    'secret.aws_access_key',
    'secret.github_token',
    'secret.slack_token',
    'secret.google_api_key',
    'secret.stripe_key',
    'secret.jwt',
    'secret.private_key',
  ])('%s: recall >= 0.99 and precision >= 0.98', (category) => {
    const m = byCategory.get(category);
    expect(m).toBeDefined();
    expect(m?.recall).toBeGreaterThanOrEqual(0.99);
    expect(m?.precision).toBeGreaterThanOrEqual(0.98);
  });

  it('has at least 30 cases for every detector category', () => {
    for (const m of metrics) {
      if (m.category.startsWith('injection.')) continue;
      expect(m.tp + m.fn).toBeGreaterThanOrEqual(30);
    }
  });

  it('keeps injection false positives on ordinary prompts at or below 5%', () => {
    const ordinary = INJECTION_CORPUS.filter((c) => c.kind === 'ordinary');
    const { misses } = measureCorpus(ordinary);
    expect(misses.length / ordinary.length).toBeLessThanOrEqual(0.05);
  });
});
