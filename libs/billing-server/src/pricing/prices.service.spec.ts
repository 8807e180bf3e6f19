import { AdminApiException } from '@pgw/server-kit';
import type { PriceRepository, StoredPrice } from './price.repository';
import { PricesService } from './prices.service';

describe('PricesService', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const stored: StoredPrice[] = [];
  const repository = {
    insert: async (rule: Omit<StoredPrice, 'createdAt'>) => {
      if (
        stored.some(
          (p) => p.model === rule.model && p.effectiveFrom.getTime() === rule.effectiveFrom.getTime(),
        )
      )
        return null;
      const price = { ...rule, createdAt: now };
      stored.push(price);
      return price;
    },
    list: async () => stored,
  } as unknown as PriceRepository;
  const sut = new PricesService(repository);

  it('defaults effective_from to now', async () => {
    await expect(sut.create({ model: 'm', price_micros_per_million: 2_000_000 }, now)).resolves.toMatchObject(
      {
        effective_from: now.toISOString(),
        price_usd_per_million: '2.000000',
      },
    );
  });

  it('refuses a price effective in the past, naming the field', async () => {
    const error = await sut
      .create({ model: 'm', price_micros_per_million: 1, effective_from: '2026-05-31T23:59:59.999Z' }, now)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminApiException);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'effective_from', status: 400 });
  });

  it('refuses a second price for the same model and instant', async () => {
    await expect(
      sut.create({ model: 'm', price_micros_per_million: 3, effective_from: now.toISOString() }, now),
    ).rejects.toMatchObject({
      code: 'conflict',
      status: 409,
    });
  });
});
