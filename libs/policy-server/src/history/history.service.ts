import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor, type Page } from '@pgw/server-kit';
import { ChangeTransaction } from '../outbox/change-transaction';
import { ProjectsService } from '../projects/projects.service';
import { ChangeHistoryRepository } from './change-history.repository';
import { ChangeResponseDto } from './dto/change.response.dto';
import type { ListHistoryRequestDto } from './dto/list-history.request.dto';

@Injectable()
export class HistoryService {
  constructor(
    private readonly changeHistoryRepository: ChangeHistoryRepository,
    private readonly transactions: ChangeTransaction,
    private readonly projects: ProjectsService,
  ) {}

  async list(projectId: string, query: ListHistoryRequestDto): Promise<Page<ChangeResponseDto>> {
    await this.projects.get(projectId);
    const cursor = decodeCursor<{ id: string }>(query.cursor);
    const rows = await this.transactions.read((manager) =>
      this.changeHistoryRepository.list(manager, {
        projectId,
        entityType: query.entity_type,
        beforeId: cursor && /^\d+$/.test(String(cursor.id)) ? String(cursor.id) : null,
        limit: query.limit + 1,
      }),
    );
    const page = rows.slice(0, query.limit);
    return {
      data: page.map(ChangeResponseDto.from),
      next_cursor: rows.length > query.limit ? encodeCursor({ id: page[page.length - 1].id }) : null,
    };
  }
}
