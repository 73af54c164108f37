/**
 * Who is acting in an interaction, in the core's terms. An admin is whoever has Discord's Manage
 * Server permission in that guild, or is named in HEED_ADMINS; the core decides what admins may do.
 */
import { PermissionFlagsBits, type Interaction } from 'discord.js';
import { isConfiguredAdmin, type Config } from '../../config.js';
import type { Actor } from '../../core/types.js';
import { placeOf } from './place.js';

/** The Actor of an interaction (slash command, modal submit, button, context menu). */
export function actorOf(interaction: Interaction, config: Config): Actor {
  const place = placeOf(interaction.channel, interaction.guildId, interaction.channelId ?? '');
  const managesServer = interaction.inGuild() && interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild);
  return {
    platform: 'discord',
    workspaceId: place.workspaceId,
    userId: interaction.user.id,
    channelId: place.channelId,
    isAdmin: managesServer || isConfiguredAdmin(config, 'discord', interaction.user.id),
    isDirect: place.isDirect,
    userName: interaction.user.displayName,
  };
}
