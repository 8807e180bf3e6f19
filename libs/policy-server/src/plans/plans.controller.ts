import { Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { PLAN_IDS, PLANS } from '@pgw/contracts';
import { AdminController } from '../common/admin-controller.decorator';
import { PlanListResponseDto } from './dto/plan.response.dto';

@AdminController('plans', 'plans')
export class PlansController {
  @Get()
  @ApiOperation({ summary: 'What each plan allows (defaults and ceilings)' })
  @ApiOkResponse({ type: PlanListResponseDto })
  list(): PlanListResponseDto {
    return { data: PLAN_IDS.map((id) => ({ ...PLANS[id] })) };
  }
}
