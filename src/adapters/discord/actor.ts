/**
 * Who is acting in an interaction, in the core's terms. Discord's own admin signal is the Manage
 * Server permission in that guild; the core adds HEED_ADMINS and decides what admins may do.
 */
import { PermissionFlagsBits, type Interaction } from 'discord.js';
import type { Actor } from '../../core/types.js';
import { placeOf } from './place.js';

/** The Actor of an interaction (slash command, modal submit, button, context menu). */
export function actorOf(interaction: Interaction): Actor {
  const place = placeOf(interaction.channel, interaction.guildId, interaction.channelId ?? '');
  const managesServer = interaction.inGuild() && interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild);
  return {
    platform: 'discord',
    workspaceId: place.workspaceId,
    userId: interaction.user.id,
    channelId: place.channelId,
    isPlatformAdmin: managesServer,
    isDirect: place.isDirect,
    userName: interaction.user.displayName,
  };
}
