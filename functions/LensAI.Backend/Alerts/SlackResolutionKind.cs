namespace LensAI.Backend.Alerts;

/// <summary>What a button did.</summary>
internal enum SlackResolutionKind
{
    /// <summary>"Override 1 h": calls allowed until <see cref="SlackResolution.OverrideUntil"/>.</summary>
    Override,

    /// <summary>"Raise 10 %": the limit is now <see cref="SlackResolution.NewLimitUsd"/>.</summary>
    Raised,
}
