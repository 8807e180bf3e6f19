import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { PageQuery } from '@pgw/server-kit';
import { AdminActor } from '../common/admin-actor.decorator';
import { AdminController } from '../common/admin-controller.decorator';
import { CreateKeyRequestDto } from './dto/create-key.request.dto';
import { CreatedKeyResponseDto, KeyPageResponseDto, KeyResponseDto } from './dto/key.response.dto';
import { KeysService } from './keys.service';

@AdminController('projects/:projectId/keys', 'keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a scoped key (the full key is in this response only)' })
  @ApiCreatedResponse({ type: CreatedKeyResponseDto })
  create(
    @Param('projectId') projectId: string,
    @Body() body: CreateKeyRequestDto,
    @AdminActor() actor: string,
  ): Promise<CreatedKeyResponseDto> {
    return this.keys.create(projectId, body, actor);
  }

  @Get()
  @ApiOperation({ summary: "List the project's keys, newest first" })
  @ApiOkResponse({ type: KeyPageResponseDto })
  list(@Param('projectId') projectId: string, @Query() query: PageQuery): Promise<KeyPageResponseDto> {
    return this.keys.list(projectId, query);
  }

  @Get(':keyId')
  @ApiOperation({ summary: 'Get a key' })
  @ApiOkResponse({ type: KeyResponseDto })
  get(@Param('projectId') projectId: string, @Param('keyId') keyId: string): Promise<KeyResponseDto> {
    return this.keys.get(projectId, keyId);
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key (idempotent); gateways refuse it within a second' })
  @ApiOkResponse({ type: KeyResponseDto })
  revoke(
    @Param('projectId') projectId: string,
    @Param('keyId') keyId: string,
    @AdminActor() actor: string,
  ): Promise<KeyResponseDto> {
    return this.keys.revoke(projectId, keyId, actor);
  }
}
