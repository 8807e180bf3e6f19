import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { PageQuery } from '@pgw/server-kit';
import { AdminActor } from '../common/admin-actor.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { PositiveIntPipe } from '../common/positive-int.pipe';
import { CreatePolicyRevisionRequestDto } from './dto/create-policy-revision.request.dto';
import { DryRunPolicyRequestDto } from './dto/dry-run-policy.request.dto';
import {
  DryRunPolicyResponseDto,
  PolicyRevisionPageResponseDto,
  PolicyRevisionResponseDto,
} from './dto/policy-revision.response.dto';
import { RollbackPolicyRequestDto } from './dto/rollback-policy.request.dto';
import { PoliciesService } from './policies.service';
import { PolicyDryRunService } from './policy-dry-run.service';

@AdminController('projects/:projectId/policies', 'policies')
export class PoliciesController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly dryRuns: PolicyDryRunService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a policy revision (validated and compiled first; activated unless activate=false)',
  })
  @ApiCreatedResponse({ type: PolicyRevisionResponseDto })
  create(
    @Param('projectId') projectId: string,
    @Body() body: CreatePolicyRevisionRequestDto,
    @AdminActor() actor: string,
  ): Promise<PolicyRevisionResponseDto> {
    return this.policies.createRevision(projectId, body, actor);
  }

  @Get()
  @ApiOperation({ summary: 'List policy revisions, newest first' })
  @ApiOkResponse({ type: PolicyRevisionPageResponseDto })
  list(
    @Param('projectId') projectId: string,
    @Query() query: PageQuery,
  ): Promise<PolicyRevisionPageResponseDto> {
    return this.policies.list(projectId, query);
  }

  @Get('active')
  @ApiOperation({ summary: 'The active policy revision' })
  @ApiOkResponse({ type: PolicyRevisionResponseDto })
  active(@Param('projectId') projectId: string): Promise<PolicyRevisionResponseDto> {
    return this.policies.getActive(projectId);
  }

  @Post('rollback')
  @HttpCode(201)
  @ApiOperation({ summary: "Roll back: a NEW active revision with an earlier revision's config" })
  @ApiCreatedResponse({ type: PolicyRevisionResponseDto })
  rollback(
    @Param('projectId') projectId: string,
    @Body() body: RollbackPolicyRequestDto,
    @AdminActor() actor: string,
  ): Promise<PolicyRevisionResponseDto> {
    return this.policies.rollback(projectId, body, actor);
  }

  @Post('dry-run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Evaluate sample text (never stored) against a draft config or the active revision',
  })
  @ApiOkResponse({ type: DryRunPolicyResponseDto })
  dryRun(
    @Param('projectId') projectId: string,
    @Body() body: DryRunPolicyRequestDto,
  ): Promise<DryRunPolicyResponseDto> {
    return this.dryRuns.dryRun(projectId, body);
  }

  @Get(':revision')
  @ApiOperation({ summary: 'Get a policy revision' })
  @ApiOkResponse({ type: PolicyRevisionResponseDto })
  get(
    @Param('projectId') projectId: string,
    @Param('revision', PositiveIntPipe) revision: number,
  ): Promise<PolicyRevisionResponseDto> {
    return this.policies.get(projectId, revision);
  }

  @Post(':revision/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate an existing revision' })
  @ApiOkResponse({ type: PolicyRevisionResponseDto })
  activate(
    @Param('projectId') projectId: string,
    @Param('revision', PositiveIntPipe) revision: number,
    @AdminActor() actor: string,
  ): Promise<PolicyRevisionResponseDto> {
    return this.policies.activate(projectId, revision, actor);
  }
}
