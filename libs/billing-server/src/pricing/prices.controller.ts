import { Body, Controller, Get, Post, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { CreatePriceRequestDto, ListPricesQueryDto } from './dto/create-price.request.dto';
import { PriceListResponseDto, PriceResponseDto } from './dto/price.response.dto';
import { PricesService } from './prices.service';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('admin/v1/billing/prices')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class PricesController {
  constructor(private readonly prices: PricesService) {}

  @Post()
  @ApiOperation({ summary: 'Schedule a per-model (or "*") price, effective now or later' })
  create(@Body() body: CreatePriceRequestDto): Promise<PriceResponseDto> {
    return this.prices.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List price rules (and the default)' })
  list(@Query() query: ListPricesQueryDto): Promise<PriceListResponseDto> {
    return this.prices.list(query.model);
  }
}
