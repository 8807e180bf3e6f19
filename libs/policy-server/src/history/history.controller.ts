import { Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminController } from '../common/admin-controller.decorator';
import { ChangePageResponseDto } from './dto/change.response.dto';
import { ListHistoryRequestDto } from './dto/list-history.request.dto';
import { HistoryService } from './history.service';

@AdminController('projects/:projectId/history', 'history')
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Get()
  @ApiOperation({ summary: "The project's change history, newest first" })
  @ApiOkResponse({ type: ChangePageResponseDto })
  list(
    @Param('projectId') projectId: string,
    @Query() query: ListHistoryRequestDto,
  ): Promise<ChangePageResponseDto> {
    return this.history.list(projectId, query);
  }
}
