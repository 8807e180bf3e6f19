import { Injectable } from '@nestjs/common';
import { encodeCursor, readCursor, type Page } from '@pgw/server-kit';
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
    // Change ids are bigserial: at most 19 digits and below 2^63.
    const beforeId = readCursor(query.cursor, (value) => {
      const id = (value as { id?: unknown } | null)?.id;
      return typeof id === 'string' && /^\d{1,19}$/.test(id) && BigInt(id) < 2n ** 63n ? id : undefined;
    });
    const rows = await this.transactions.read((manager) =>
      this.changeHistoryRepository.list(manager, {
        projectId,
        entityType: query.entity_type,
        beforeId,
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
