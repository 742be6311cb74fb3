using System.Globalization;

namespace LensAI.Backend.Alerts;

/// <summary>The outcome of a button click, shown in the message that replaces the alert.</summary>
/// <param name="Kind">Override or raise.</param>
/// <param name="ActorUserId">The Slack user who clicked (<c>U0123ABC</c>, shown as a mention) or a plain name.</param>
/// <param name="OverrideUntil">When the override ends (for <see cref="SlackResolutionKind.Override"/>).</param>
/// <param name="NewLimitUsd">The new limit (for <see cref="SlackResolutionKind.Raised"/>).</param>
internal sealed record SlackResolution(SlackResolutionKind Kind, string ActorUserId, DateTimeOffset? OverrideUntil = null, decimal? NewLimitUsd = null)
{
    /// <summary>"Override active until …" by <paramref name="actorUserId"/>.</summary>
    public static SlackResolution Override(DateTimeOffset until, string actorUserId) => new(SlackResolutionKind.Override, actorUserId, OverrideUntil: until);

    /// <summary>"Limit raised to $X" by <paramref name="actorUserId"/>.</summary>
    public static SlackResolution Raised(decimal newLimitUsd, string actorUserId) => new(SlackResolutionKind.Raised, actorUserId, NewLimitUsd: newLimitUsd);

    /// <summary>The sentence shown: with Slack markup (mention, date token) or plain for the notification text.</summary>
    public string Describe(bool slackMarkup)
    {
        var actor = slackMarkup ? SlackMessages.MentionOf(ActorUserId) : "@" + ActorUserId.TrimStart('@');
        return Kind switch
        {
            SlackResolutionKind.Override when OverrideUntil is { } until => slackMarkup
                ? $":unlock: Override active until {SlackMessages.SlackDate(until, "{date_short_pretty} at {time}", withTime: true)}, by {actor}. Calls in this scope are allowed until then."
                : $"Override active until {until.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}, by {actor}",
            SlackResolutionKind.Raised when NewLimitUsd is { } limit => slackMarkup
                ? $":chart_with_upwards_trend: Limit raised to *{SlackMessages.Money(limit)}* by {actor}."
                : $"Limit raised to {SlackMessages.Money(limit)} by {actor}",
            _ => throw new InvalidOperationException($"A {Kind} resolution needs its {(Kind == SlackResolutionKind.Override ? nameof(OverrideUntil) : nameof(NewLimitUsd))}."),
        };
    }
}
