import { Controller, Get, Param, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminExceptionFilter, adminValidationPipe } from '@pgw/server-kit';
import { ProjectParamsDto } from '../shared/project-params.dto';
import { BudgetsService } from './budgets.service';
import { BudgetResponseDto } from './dto/budget.response.dto';

@ApiTags('billing')
@ApiBearerAuth()
@Controller('admin/v1/billing/projects/:projectId/budget')
@UseGuards(AdminAuthGuard)
@UseFilters(AdminExceptionFilter)
@UsePipes(adminValidationPipe())
export class BudgetsController {
  constructor(private readonly budgets: BudgetsService) {}

  @Get()
  @ApiOperation({ summary: "The project's budget state for the current month" })
  get(@Param() params: ProjectParamsDto): Promise<BudgetResponseDto> {
    return this.budgets.current(params.projectId);
  }
}
