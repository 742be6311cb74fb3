using System.Globalization;
using LensAI.Backend.Alerts;

namespace LensAI.Backend.Budgets;

/// <summary>
/// Which channels an alert goes to and who gets it by e-mail. A budget names its channels (<c>channels</c>) and its
/// e-mail recipients (<c>email_to</c>); without them an alert goes to every configured channel and
/// <c>LensAI:Backend:Alerts:Email:To</c>. A budget whose chosen channels are none of those configured still alerts
/// on every configured one (an alert is never silently dropped).
/// </summary>
internal static class AlertChannels
{
    /// <summary>Every channel name a budget may choose.</summary>
    public static readonly IReadOnlyList<string> Known = ["slack", "webhook", "email"];

    /// <summary>The channels of <paramref name="alert"/>: those configured (<paramref name="configured"/>) that its budget chose.</summary>
    public static IReadOnlyList<string> For(IReadOnlyList<string> configured, BudgetFile file, BudgetAlertData alert)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(alert);
        var chosen = ChosenBy(file, alert.BudgetId).Channels;
        if (chosen is null)
        {
            return configured;
        }

        var both = configured.Where(c => chosen.Contains(c, StringComparer.Ordinal)).ToList();
        return both.Count > 0 ? both : configured;
    }

    /// <summary>The e-mail recipients of an alert of <paramref name="budgetId"/>: the budget's own, else <paramref name="defaults"/>.</summary>
    public static IReadOnlyList<string> RecipientsFor(BudgetFile? file, string budgetId, IReadOnlyList<string> defaults)
        => (file is null ? null : ChosenBy(file, budgetId).EmailTo) is { Count: > 0 } own ? own : defaults;

    /// <summary>Adds a problem for each unknown channel or malformed address.</summary>
    public static void ValidateInto(string at, List<string>? channels, List<string>? emailTo, List<(string, string)> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        for (var i = 0; i < (channels?.Count ?? 0); i++)
        {
            if (!Known.Contains(channels![i], StringComparer.Ordinal))
            {
                errors.Add(($"{at}/channels/{i.ToString(CultureInfo.InvariantCulture)}", "must be slack, webhook or email."));
            }
        }

        if (emailTo is { Count: > 50 })
        {
            errors.Add((at + "/email_to", "may name at most 50 addresses."));
            return;
        }

        for (var i = 0; i < (emailTo?.Count ?? 0); i++)
        {
            if (!EmailOptions.IsAddress(emailTo![i]))
            {
                errors.Add(($"{at}/email_to/{i.ToString(CultureInfo.InvariantCulture)}", "must be an e-mail address."));
            }
        }
    }

    private static (List<string>? Channels, List<string>? EmailTo) ChosenBy(BudgetFile file, string budgetId)
    {
        if (file.Budgets.FirstOrDefault(b => b.Id == budgetId) is { } budget)
        {
            return (budget.Channels, budget.EmailTo);
        }

        // The default per-user budget's targets are named default-<tier> (see BudgetEvaluator.Targets).
        return budgetId.StartsWith("default-", StringComparison.Ordinal) && file.DefaultUserBudget is { } defaults
            ? (defaults.Channels, defaults.EmailTo)
            : (null, null);
    }
}
