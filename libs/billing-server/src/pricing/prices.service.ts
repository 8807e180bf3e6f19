import { Injectable } from '@nestjs/common';
import { DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS } from '@pgw/contracts';
import { AdminApiException } from '@pgw/server-kit';
import { microsToUsd } from '../shared/money';
import type { CreatePriceRequestDto } from './dto/create-price.request.dto';
import type { PriceListResponseDto, PriceResponseDto } from './dto/price.response.dto';
import { PriceRepository, type StoredPrice } from './price.repository';

@Injectable()
export class PricesService {
  constructor(private readonly prices: PriceRepository) {}

  /** Schedules a price. It can start now or later, never earlier: usage already billed keeps its price. */
  async create(request: CreatePriceRequestDto, now: Date = new Date()): Promise<PriceResponseDto> {
    const effectiveFrom = request.effective_from ? new Date(request.effective_from) : now;
    if (effectiveFrom.getTime() < now.getTime()) {
      throw new AdminApiException(
        'invalid_request',
        'effective_from must not be in the past: price changes are never retroactive.',
        'effective_from',
      );
    }
    const stored = await this.prices.insert({
      model: request.model,
      priceMicrosPerMillion: request.price_micros_per_million,
      effectiveFrom,
    });
    if (!stored) {
      throw new AdminApiException(
        'conflict',
        `A price for ${request.model} effective at ${effectiveFrom.toISOString()} already exists.`,
        'effective_from',
      );
    }
    return toResponse(stored);
  }

  async list(model?: string): Promise<PriceListResponseDto> {
    return {
      default_price_micros_per_million: DEFAULT_PRICE_MICROS_PER_MILLION_TOKENS,
      data: (await this.prices.list(model)).map(toResponse),
    };
  }
}

function toResponse(price: StoredPrice): PriceResponseDto {
  return {
    model: price.model,
    price_micros_per_million: price.priceMicrosPerMillion,
    price_usd_per_million: microsToUsd(price.priceMicrosPerMillion),
    effective_from: price.effectiveFrom.toISOString(),
    created_at: price.createdAt.toISOString(),
  };
}
