"""/workspace: a Slack workspace's rule for who may change a channel's alerts.

By default, in a channel only the workspace's admins and owners and the channel's
creator may change its subscriptions, mute, digest and settings (the front-end
reports them as `ctx.is_admin`). A workspace admin (`ctx.team_admin`) may let
everyone: `/workspace everyone on`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.commands.language import reply_language
from bot.chat.commands.parsing import Invalid
from bot.chat.commands.parsing import later as _
from bot.chat.commands.services import Services, db
from bot.chat.context import Context
from bot.i18n import translator
from bot.messages import Button, Reply, ReplyKind

_EXAMPLE = "/workspace everyone on"
_ON = ("on", "yes", "true", "allow", "everyone")
_OFF = ("off", "no", "false", "admins", "deny")


@dataclass(frozen=True, slots=True)
class WorkspaceRequest:
    # None: show the setting; True/False: let everyone change alerts, or not.
    everyone: bool | None = None


def parse_workspace(args: str) -> WorkspaceRequest | Invalid:
    """'/workspace', '/workspace everyone on', '/workspace everyone off'."""
    words = args.lower().split()
    if not words:
        return WorkspaceRequest()
    if words[0] == "everyone":
        words = words[1:]
    if len(words) == 1 and words[0] in _ON:
        return WorkspaceRequest(everyone=True)
    if len(words) == 1 and words[0] in _OFF:
        return WorkspaceRequest(everyone=False)
    return Invalid(
        _("“{text}” is not a workspace setting (everyone on|off)"), _EXAMPLE, {"text": args.strip()}
    )


async def everyone_changes_alerts(ctx: Context, services: Services) -> bool:
    """Has this chat's workspace let every member change channels' alerts?"""
    if not ctx.chat.team_id or services.workspaces is None:
        return False
    return await db(
        services.workspaces.everyone_changes_alerts, str(ctx.chat.platform), ctx.chat.team_id
    )


async def handle_workspace(req: WorkspaceRequest, ctx: Context, services: Services) -> list[Reply]:
    """Show or change who may change a channel's alerts in this workspace."""
    language = await reply_language(ctx, services)
    _ = translator(language).gettext
    if not ctx.chat.team_id or services.workspaces is None:
        return [
            Reply(
                title=_("Only Slack workspaces have workspace settings"),
                kind=ReplyKind.ERROR,
                lines=(_("Here a chat's admins change its alerts. Example: /settings"),),
                language=language,
            )
        ]
    if req.everyone is not None:
        if not ctx.team_admin:
            return [
                Reply(
                    title=_("Only workspace admins can change this"),
                    kind=ReplyKind.ERROR,
                    lines=(_("Anyone can see it: /workspace"),),
                    language=language,
                )
            ]
        await db(
            services.workspaces.set_everyone_changes_alerts,
            str(ctx.chat.platform),
            ctx.chat.team_id,
            req.everyone,
            by=ctx.user_id,
            now=ctx.now,
        )
    everyone = await everyone_changes_alerts(ctx, services)
    if everyone:
        who = _("Who may change a channel's alerts: everyone in the workspace.")
    else:
        who = _(
            "Who may change a channel's alerts: workspace admins and owners, and the channel's "
            "creator."
        )
    buttons: tuple[Button, ...] = ()
    if ctx.team_admin:
        buttons = (
            (Button(_("Only admins and channel creators"), "/workspace everyone off"),)
            if everyone
            else (Button(_("Let everyone change alerts"), "/workspace everyone on"),)
        )
    return [
        Reply(
            title=_("Workspace settings")
            if req.everyone is None
            else _("Workspace settings changed"),
            lines=(who,),
            buttons=buttons,
            data={"everyone_changes_alerts": everyone},
            language=language,
        )
    ]
