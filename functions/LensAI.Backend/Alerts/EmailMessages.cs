using System.Globalization;
using System.Text;
using LensAI.Backend.Reports;

namespace LensAI.Backend.Alerts;

/// <summary>
/// The e-mails LensAI sends, as plain text (nothing is ever read as HTML, so a user id or a model name cannot inject
/// markup): a budget alert with the same figures as the Slack message, and the monthly usage summary.
/// </summary>
internal static class EmailMessages
{
    /// <summary>The alert e-mail: subject <c>[LensAI] acme · user alice: 75 % of monthly budget</c>, the figures in the body.</summary>
    public static EmailMessage Alert(BudgetAlert alert, IReadOnlyList<string> to)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var body = new StringBuilder();
        body.AppendLine(SlackMessages.Summary(alert)).AppendLine();
        Line(body, "Project", alert.Project);
        Line(body, "Budget", $"{alert.BudgetId} ({alert.Scope})");
        Line(body, "Spent", SlackMessages.Money(alert.SpentUsd));
        Line(body, "Limit", SlackMessages.Money(alert.LimitUsd));
        Line(body, "Used", $"{SlackMessages.Percent(alert.Percent)}  {SlackMessages.Bar(alert.Percent)}");
        Line(body, "Period", $"{alert.Period}, {SlackMessages.Fallback(alert.PeriodStart, withTime: true)} to {SlackMessages.Fallback(alert.PeriodEnd, withTime: true)} (resets then)");
        Line(body, "At 100 %", alert.Action == BudgetAlert.ActionBlock ? alert.Blocked ? "blocks calls (blocking now)" : "blocks calls" : "alerts only");
        if (alert.ForecastUsd is { } forecast)
        {
            Line(body, "Forecast", SlackMessages.Money(forecast) + " by the end of the period"
                + (alert.ProjectedExceedAt is { } at ? $", projected to exceed on {SlackMessages.Fallback(at, withTime: true)}" : string.Empty));
        }

        Shares(body, "Top models", alert.TopModels);
        Shares(body, "Top users", alert.TopUsers);
        if (alert.UnpricedCalls > 0)
        {
            body.AppendLine().Append(CultureInfo.InvariantCulture, $"{SlackMessages.Calls(alert.UnpricedCalls)} could not be priced")
                .Append(alert.UnpricedModels.Count > 0 ? " (" + string.Join(", ", alert.UnpricedModels.Take(10)) + ")" : string.Empty)
                .AppendLine(": they are not counted in the spend above. Add their prices to the catalogue.");
        }

        if (alert.EstimatedCalls > 0)
        {
            body.AppendLine().Append(SlackMessages.Calls(alert.EstimatedCalls))
                .AppendLine(" estimated: they ended before the provider reported usage; their estimated cost is counted above.");
        }

        body.AppendLine().AppendLine(alert.Kind == BudgetAlertKind.Unpriced
            ? "Nothing to approve: this is a report."
            : "To let calls through or raise the limit: lensai budgets override|raise <budget> --reason \"…\" (or the dashboard, with an admin key).");
        body.AppendLine().Append("LensAI alert ").AppendLine(alert.AlertId);
        return new EmailMessage(to, "[LensAI] " + SlackMessages.Title(alert), body.ToString(), alert.AlertId);
    }

    /// <summary>
    /// The monthly usage summary of a project: totals, the cost by model and by user, and each budget's state now.
    /// <paramref name="month"/> is the first day of the month summarised.
    /// </summary>
    public static EmailMessage ProjectSummary(string project, DateOnly month, ProjectReport report, IReadOnlyList<string> to)
    {
        ArgumentNullException.ThrowIfNull(report);
        var name = MonthName(month);
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"LensAI usage of project {project} in {name} (UTC).").AppendLine();
        Totals(body, report.Totals);
        Rows(body, "By model", report.ByModel);
        Rows(body, "By user", report.ByUser);
        if (report.UnpricedModels.Count > 0)
        {
            body.AppendLine().Append("Models the catalogue could not price (not counted above): ").AppendLine(string.Join(", ", report.UnpricedModels));
        }

        if (report.Budgets.Count > 0)
        {
            body.AppendLine().AppendLine("Budgets now:");
            foreach (var b in report.Budgets)
            {
                var scope = b.ScopeValue is null ? b.Scope : $"{b.Scope} {b.ScopeValue}";
                body.AppendLine(CultureInfo.InvariantCulture,
                    $"  {b.BudgetId} ({scope}, {b.Period}): {SlackMessages.Money(b.SpentUsd)} of {SlackMessages.Money(b.LimitUsd)}{(b.Blocked ? ", blocking" : string.Empty)}");
            }
        }

        return new EmailMessage(to, $"[LensAI] {project}: usage in {name} — {SlackMessages.Money(report.Totals.CostUsd)}", body.ToString(),
            $"summary|{project}|{month:yyyy-MM}");
    }

    /// <summary>The monthly summary of one user (a chat app's customer with a budget of their own): their calls, cost and quota.</summary>
    public static EmailMessage UserSummary(string project, string user, DateOnly month, ReportRow? usage, string budgetId, decimal limitUsd, string period, IReadOnlyList<string> to)
    {
        var name = MonthName(month);
        var row = usage ?? new ReportRow(user, 0, 0, 0, 0m, 0, 0, null, null);
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"Your AI usage in {name} (UTC), project {project}.").AppendLine();
        Totals(body, row);
        body.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Your quota: {SlackMessages.Money(limitUsd)} per {PeriodNoun(period)} (budget {budgetId}).");
        return new EmailMessage(to, $"[LensAI] Your AI usage in {name}: {SlackMessages.Money(row.CostUsd)}", body.ToString(),
            $"summary|{project}|{month:yyyy-MM}|user|{user}");
    }

    private static void Totals(StringBuilder body, ReportRow totals)
    {
        Line(body, "Cost", SlackMessages.Money(totals.CostUsd));
        Line(body, "Calls", totals.Requests.ToString("#,0", CultureInfo.InvariantCulture));
        Line(body, "Tokens", $"{totals.TokensIn.ToString("#,0", CultureInfo.InvariantCulture)} in, {totals.TokensOut.ToString("#,0", CultureInfo.InvariantCulture)} out");
        if (totals.Errors > 0)
        {
            Line(body, "Errors", totals.Errors.ToString("#,0", CultureInfo.InvariantCulture));
        }

        if (totals.Unpriced > 0)
        {
            Line(body, "Unpriced", SlackMessages.Calls(totals.Unpriced) + " (not counted in the cost)");
        }
    }

    private static void Rows(StringBuilder body, string title, IReadOnlyList<ReportRow> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        body.AppendLine().Append(title).AppendLine(":");
        foreach (var row in rows.Take(10))
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"  {Clip(row.Key)}  {SlackMessages.Money(row.CostUsd)}  ({SlackMessages.Calls(row.Requests)})");
        }

        if (rows.Count > 10)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"  … and {rows.Count - 10} more");
        }
    }

    private static void Shares(StringBuilder body, string title, IReadOnlyList<CostShare> shares)
    {
        if (shares.Count == 0)
        {
            return;
        }

        body.AppendLine().Append(title).AppendLine(":");
        foreach (var share in shares.Take(10))
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"  {Clip(share.Name)}  {SlackMessages.Money(share.CostUsd)}");
        }
    }

    private static void Line(StringBuilder body, string label, string value) =>
        body.Append(label).Append(':').Append(' ', Math.Max(1, 10 - label.Length)).AppendLine(value);

    private static string Clip(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 80 ? line : string.Concat(line.AsSpan(0, 79), "…");
    }

    private static string MonthName(DateOnly month) => month.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    private static string PeriodNoun(string period) => period switch
    {
        "daily" => "day",
        "weekly" => "week",
        _ => "month",
    };
}
