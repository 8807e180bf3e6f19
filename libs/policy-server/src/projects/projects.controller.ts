import { Body, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { PageQuery } from '@pgw/server-kit';
import { AdminActor } from '../common/admin-actor.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { CreateProjectRequestDto } from './dto/create-project.request.dto';
import { ProjectPageResponseDto, ProjectResponseDto } from './dto/project.response.dto';
import { UpdateProjectRequestDto } from './dto/update-project.request.dto';
import { ProjectsService } from './projects.service';

@AdminController('projects', 'projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a project' })
  @ApiCreatedResponse({ type: ProjectResponseDto })
  create(@Body() body: CreateProjectRequestDto, @AdminActor() actor: string): Promise<ProjectResponseDto> {
    return this.projects.create(body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List projects, newest first' })
  @ApiOkResponse({ type: ProjectPageResponseDto })
  list(@Query() query: PageQuery): Promise<ProjectPageResponseDto> {
    return this.projects.list(query);
  }

  @Get(':projectId')
  @ApiOperation({ summary: 'Get a project' })
  @ApiOkResponse({ type: ProjectResponseDto })
  get(@Param('projectId') projectId: string): Promise<ProjectResponseDto> {
    return this.projects.get(projectId);
  }

  @Patch(':projectId')
  @ApiOperation({ summary: 'Change project settings (plan, limits, budget, retention, models)' })
  @ApiOkResponse({ type: ProjectResponseDto })
  update(
    @Param('projectId') projectId: string,
    @Body() body: UpdateProjectRequestDto,
    @AdminActor() actor: string,
  ): Promise<ProjectResponseDto> {
    return this.projects.update(projectId, body, actor);
  }
}
