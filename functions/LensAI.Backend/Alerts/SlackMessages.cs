using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LensAI.Backend.Alerts;

/// <summary>
/// Builds the Slack Block Kit messages for budget alerts, written with <see cref="Utf8JsonWriter"/> (no reflection).
/// An alert message has a header (project and scope), fields (spent, limit, %, period, budget, action at 100 %), a text
/// bar, the models and users driving the spend, the forecast ("projected to exceed on …"), a warning for unpriced
/// calls, the buttons "Override 1 h" (block budgets only) and "Raise 10 %", and a context line with the alert id.
/// Every message also has a plain <c>text</c> fallback for notifications.
/// </summary>
internal static class SlackMessages
{
    /// <summary><c>action_id</c> of the "Override 1 h" button.</summary>
    public const string OverrideActionId = "lensai_override_1h";

    /// <summary><c>action_id</c> of the "Raise 10 %" button.</summary>
    public const string RaiseActionId = "lensai_raise_10";

    /// <summary><c>block_id</c> of the actions block.</summary>
    public const string ActionsBlockId = "lensai_budget_actions";

    /// <summary>How long "Override 1 h" allows calls.</summary>
    public static readonly TimeSpan OverrideDuration = TimeSpan.FromHours(1);

    /// <summary>The factor "Raise 10 %" applies to the limit the alert showed.</summary>
    public const decimal RaiseFactor = 1.10m;

    /// <summary>Models and users listed at most.</summary>
    public const int MaxListed = 5;

    private const int HeaderMax = 150;
    private const int ButtonValueMax = 2000;

    /// <summary>
    /// The alert as a message body: <c>{"channel"?, "text", "blocks", "unfurl_links": false}</c>, UTF-8 JSON. Pass
    /// <paramref name="channel"/> for <c>chat.postMessage</c>; leave it null for an incoming webhook.
    /// </summary>
    public static byte[] BuildAlert(BudgetAlert alert, string? channel = null)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Write(writer =>
        {
            if (!string.IsNullOrEmpty(channel))
            {
                writer.WriteString("channel", channel);
            }

            writer.WriteString("text", BuildText(alert));
            writer.WriteStartArray("blocks");
            WriteAlertBlocks(writer, alert);
            writer.WriteEndArray();
            writer.WriteBoolean("unfurl_links", false);
            writer.WriteBoolean("unfurl_media", false);
        });
    }

    /// <summary>The plain notification text: <c>[LensAI] acme · user alice: 75 % of monthly budget — $75.00 of $100.00 (75 %)</c>.</summary>
    public static string BuildText(BudgetAlert alert) => Escape(Summary(alert));

    /// <summary>The notification text without Slack escaping (for the JSON webhook's <c>summary</c>).</summary>
    internal static string Summary(BudgetAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = $"[LensAI] {Title(alert)} — {Money(alert.SpentUsd)} of {Money(alert.LimitUsd)} ({Percent(alert.Percent)})";
        if (alert.Kind == BudgetAlertKind.Forecast && alert.ProjectedExceedAt is { } at)
        {
            text += ", projected to exceed on " + Fallback(at, withTime: false);
        }

        if (alert.UnpricedCalls > 0)
        {
            text += $", {Calls(alert.UnpricedCalls)} could not be priced";
        }

        if (alert.EstimatedCalls > 0)
        {
            text += $", {Calls(alert.EstimatedCalls)} estimated";
        }

        return text;
    }

    /// <summary>
    /// The message that replaces an alert after a button was used (<c>{"replace_original": true, "text", "blocks"}</c>,
    /// for the action's <c>response_url</c>): the alert's figures, what was done and by whom, no buttons.
    /// </summary>
    public static byte[] BuildResolved(BudgetAlert alert, SlackResolution resolution)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(resolution);
        return BuildResolvedCore(alert.Project, alert.BudgetId, alert.Scope, alert.AlertId, resolution, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "section");
            writer.WriteStartArray("fields");
            Field(writer, "Spent", Money(alert.SpentUsd));
            Field(writer, "Limit", Money(resolution.NewLimitUsd ?? alert.LimitUsd));
            Field(writer, "Period", $"{Escape(alert.Period)} · resets {SlackDate(alert.PeriodEnd, "{date_short_pretty} {time}", withTime: true)}");
            Field(writer, "Budget", Code(alert.BudgetId));
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>The replacement message when only the budget's identity is at hand (an action handler without the alert).</summary>
    public static byte[] BuildResolved(string project, string budgetId, BudgetScope scope, SlackResolution resolution, string? alertId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(project);
        ArgumentException.ThrowIfNullOrEmpty(budgetId);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(resolution);
        return BuildResolvedCore(project, budgetId, scope, alertId, resolution, null);
    }

    private static byte[] BuildResolvedCore(string project, string budgetId, BudgetScope scope, string? alertId, SlackResolution resolution,
        Action<Utf8JsonWriter>? figures)
    {
        var title = $"{project} · {scope}: {(resolution.Kind == SlackResolutionKind.Override ? "override active" : "limit raised")}";
        return Write(writer =>
        {
            writer.WriteBoolean("replace_original", true);
            writer.WriteString("text", Escape($"[LensAI] {title} — {resolution.Describe(slackMarkup: false)}"));
            writer.WriteStartArray("blocks");
            Header(writer, ":white_check_mark: " + title);
            figures?.Invoke(writer);
            Section(writer, resolution.Describe(slackMarkup: true));
            Context(writer, alertId is null ? $"LensAI · budget {Code(budgetId)}" : $"LensAI · alert {Code(alertId)}");
            writer.WriteEndArray();
        });
    }

    private static void WriteAlertBlocks(Utf8JsonWriter writer, BudgetAlert alert)
    {
        Header(writer, Emoji(alert) + " " + Title(alert));

        writer.WriteStartObject();
        writer.WriteString("type", "section");
        writer.WriteStartArray("fields");
        Field(writer, "Spent", Money(alert.SpentUsd));
        Field(writer, "Limit", Money(alert.LimitUsd));
        Field(writer, "Used", Percent(alert.Percent));
        Field(writer, "Period", $"{Escape(alert.Period)} · resets {SlackDate(alert.PeriodEnd, "{date_short_pretty} {time}", withTime: true)}");
        Field(writer, "Budget", Code(alert.BudgetId));
        Field(writer, "At 100 %", alert.Action == BudgetAlert.ActionBlock
            ? alert.Blocked ? "blocks calls · *blocking now*" : "blocks calls"
            : "alerts only");
        writer.WriteEndArray();
        writer.WriteEndObject();

        Section(writer, $"`{Bar(alert.Percent)}` {Percent(alert.Percent)} of {Money(alert.LimitUsd)}");

        if (alert.TopModels.Count > 0 || alert.TopUsers.Count > 0)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "section");
            writer.WriteStartArray("fields");
            if (alert.TopModels.Count > 0)
            {
                Field(writer, "Top models", Listing(alert.TopModels));
            }

            if (alert.TopUsers.Count > 0)
            {
                Field(writer, "Top users", Listing(alert.TopUsers));
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        if (alert.ForecastUsd is { } forecast)
        {
            var line = $":crystal_ball: Forecast: *{Money(forecast)}* by the end of the period";
            if (alert.LimitUsd > 0)
            {
                line += $" ({Percent(forecast / alert.LimitUsd * 100m)})";
            }

            if (alert.ProjectedExceedAt is { } at)
            {
                line += $"; projected to exceed on {SlackDate(at, "{date_short_pretty} at {time}", withTime: true)}";
            }

            Section(writer, line + ".");
        }
        else if (alert.ProjectedExceedAt is { } at)
        {
            Section(writer, $":crystal_ball: Projected to exceed on {SlackDate(at, "{date_short_pretty} at {time}", withTime: true)}.");
        }

        if (alert.UnpricedCalls > 0)
        {
            var models = alert.UnpricedModels.Count == 0
                ? string.Empty
                : " (" + string.Join(", ", alert.UnpricedModels.Take(MaxListed).Select(Code)) + (alert.UnpricedModels.Count > MaxListed ? ", …" : string.Empty) + ")";
            Section(writer, $":warning: *{Calls(alert.UnpricedCalls)} could not be priced*{models}: they are not counted in the spend above. " +
                "Add their prices to the catalogue.");
        }

        if (alert.EstimatedCalls > 0)
        {
            Section(writer, $":straight_ruler: *{Calls(alert.EstimatedCalls)} estimated*: they ended before the provider reported usage " +
                "(abandoned or broken streams, timeouts); their estimated cost is counted in the spend above.");
        }

        if (alert.Kind != BudgetAlertKind.Unpriced)
        {
            var value = new SlackActionValue(alert.Project, alert.BudgetId, alert.Scope.Value, alert.PeriodStart, alert.LimitUsd, alert.AlertId).ToJson();
            writer.WriteStartObject();
            writer.WriteString("type", "actions");
            writer.WriteString("block_id", ActionsBlockId);
            writer.WriteStartArray("elements");
            if (alert.Action == BudgetAlert.ActionBlock)
            {
                Button(writer, OverrideActionId, "Override 1 h", value, "danger",
                    "Override the budget?", $"Calls for {Escape(alert.Scope.ToString())} are allowed for 1 hour, whatever the spend.", "Override");
            }

            var raised = Math.Round(alert.LimitUsd * RaiseFactor, 2, MidpointRounding.AwayFromZero);
            Button(writer, RaiseActionId, "Raise 10 %", value, "primary",
                "Raise the budget?", $"The limit goes from {Money(alert.LimitUsd)} to {Money(raised)} for this period.", "Raise");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        Context(writer, $"LensAI · alert {Code(alert.AlertId)}");
    }

    internal static string Title(BudgetAlert alert)
    {
        var who = $"{alert.Project} · {alert.Scope}";
        return alert.Kind switch
        {
            BudgetAlertKind.Threshold when alert.Blocked => $"{who}: {alert.Period} budget used up, calls blocked",
            BudgetAlertKind.Threshold => $"{who}: {(alert.ThresholdPercent ?? (int)Math.Floor(alert.Percent)).ToString(CultureInfo.InvariantCulture)} % of {alert.Period} budget",
            BudgetAlertKind.Forecast => $"{who}: projected to exceed the {alert.Period} budget",
            _ => $"{who}: {Calls(alert.UnpricedCalls)} could not be priced",
        };
    }

    private static string Emoji(BudgetAlert alert) => alert.Kind switch
    {
        BudgetAlertKind.Threshold when alert.Blocked => ":no_entry:",
        BudgetAlertKind.Threshold when alert.Percent >= 100m => ":rotating_light:",
        BudgetAlertKind.Threshold => ":warning:",
        BudgetAlertKind.Forecast => ":crystal_ball:",
        _ => ":grey_question:",
    };

    private static void Header(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "header");
        writer.WriteStartObject("text");
        writer.WriteString("type", "plain_text");
        writer.WriteString("text", Truncate(text, HeaderMax));
        writer.WriteBoolean("emoji", true);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Section(Utf8JsonWriter writer, string mrkdwn)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "section");
        writer.WriteStartObject("text");
        writer.WriteString("type", "mrkdwn");
        writer.WriteString("text", Truncate(mrkdwn, 3000));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Context(Utf8JsonWriter writer, string mrkdwn)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "context");
        writer.WriteStartArray("elements");
        writer.WriteStartObject();
        writer.WriteString("type", "mrkdwn");
        writer.WriteString("text", Truncate(mrkdwn, 3000));
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Field(Utf8JsonWriter writer, string label, string value)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "mrkdwn");
        writer.WriteString("text", Truncate($"*{label}*\n{value}", 2000));
        writer.WriteEndObject();
    }

    private static void Button(Utf8JsonWriter writer, string actionId, string label, string value, string style,
        string confirmTitle, string confirmText, string confirmLabel)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "button");
        writer.WriteString("action_id", actionId);
        writer.WriteStartObject("text");
        writer.WriteString("type", "plain_text");
        writer.WriteString("text", label);
        writer.WriteBoolean("emoji", true);
        writer.WriteEndObject();
        writer.WriteString("value", value);
        writer.WriteString("style", style);
        writer.WriteStartObject("confirm");
        PlainText(writer, "title", confirmTitle);
        writer.WriteStartObject("text");
        writer.WriteString("type", "mrkdwn");
        writer.WriteString("text", Truncate(confirmText, 300));
        writer.WriteEndObject();
        PlainText(writer, "confirm", confirmLabel);
        PlainText(writer, "deny", "Cancel");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void PlainText(Utf8JsonWriter writer, string name, string text)
    {
        writer.WriteStartObject(name);
        writer.WriteString("type", "plain_text");
        writer.WriteString("text", text);
        writer.WriteEndObject();
    }

    private static string Listing(IReadOnlyList<CostShare> shares)
    {
        var builder = new StringBuilder();
        foreach (var share in shares.Take(MaxListed))
        {
            builder.Append(builder.Length == 0 ? string.Empty : "\n").Append("• ").Append(Code(Truncate(share.Name, 80))).Append(' ').Append(Money(share.CostUsd));
        }

        if (shares.Count > MaxListed)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n… and {shares.Count - MaxListed} more");
        }

        return builder.ToString();
    }

    /// <summary>Ten cells: one per 10 %, full past 100 %.</summary>
    internal static string Bar(decimal percent)
    {
        var filled = (int)Math.Clamp(Math.Round(percent / 10m, MidpointRounding.AwayFromZero), 0m, 10m);
        return new string('█', filled) + new string('░', 10 - filled);
    }

    /// <summary><c>$1,234.50</c>; amounts under a dollar keep up to four decimals (<c>$0.0042</c>).</summary>
    internal static string Money(decimal usd) =>
        (usd < 0 ? "-$" : "$") + Math.Abs(usd).ToString(Math.Abs(usd) >= 1m ? "#,0.00" : "#,0.00##", CultureInfo.InvariantCulture);

    /// <summary><c>75 %</c>, <c>92.5 %</c>.</summary>
    internal static string Percent(decimal percent) =>
        Math.Round(percent, 1, MidpointRounding.AwayFromZero).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    internal static string Calls(long count) => count == 1 ? "1 call" : count.ToString("#,0", CultureInfo.InvariantCulture) + " calls";

    /// <summary>A Slack date token (shown in each reader's own time zone) with a UTC fallback.</summary>
    internal static string SlackDate(DateTimeOffset at, string format, bool withTime) =>
        $"<!date^{at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}^{format}|{Fallback(at, withTime)}>";

    internal static string Fallback(DateTimeOffset at, bool withTime) =>
        at.UtcDateTime.ToString(withTime ? "yyyy-MM-dd HH:mm 'UTC'" : "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Slack's three control characters in text: <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>.</summary>
    internal static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Code(string text) => "`" + Escape(text.Replace('`', '\'')) + "`";

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    internal static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static string MentionOf(string actor) =>
        actor.Length > 1 && actor[0] is 'U' or 'W' && actor.All(char.IsAsciiLetterOrDigit) && actor.Skip(1).All(c => !char.IsAsciiLetterLower(c))
            ? $"<@{actor}>"
            : "@" + Escape(actor.TrimStart('@'));

    /// <summary>Reads the JSON of a button <c>value</c>.</summary>
    internal static bool TryReadActionValue(string value, [NotNullWhen(true)] out SlackActionValue? result)
    {
        result = null;
        string? project = null, budget = null, scopeValue = null, alertId = null;
        DateTimeOffset? start = null;
        decimal? limit = null;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(value), new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case "v" when reader.TokenType != JsonTokenType.Number || reader.GetInt32() != 1:
                        return false;
                    case "p" when reader.TokenType == JsonTokenType.String:
                        project = reader.GetString();
                        break;
                    case "b" when reader.TokenType == JsonTokenType.String:
                        budget = reader.GetString();
                        break;
                    case "sv" when reader.TokenType == JsonTokenType.String:
                        scopeValue = reader.GetString();
                        break;
                    case "s" when reader.TokenType == JsonTokenType.String:
                        start = reader.GetDateTimeOffset();
                        break;
                    case "l" when reader.TokenType == JsonTokenType.String:
                        limit = decimal.Parse(reader.GetString()!, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                        break;
                    case "a" when reader.TokenType == JsonTokenType.String:
                        alertId = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException or InvalidOperationException)
        {
            return false;
        }

        if (string.IsNullOrEmpty(project) || string.IsNullOrEmpty(budget) || start is null || limit is null)
        {
            return false;
        }

        result = new SlackActionValue(project, budget, scopeValue, start.Value, limit.Value, alertId);
        return true;
    }

    internal static string WriteActionValue(SlackActionValue value)
    {
        var json = Encoding.UTF8.GetString(Write(writer => WriteValue(writer, value, value.AlertId)));
        if (json.Length > ButtonValueMax && value.AlertId is not null)
        {
            json = Encoding.UTF8.GetString(Write(writer => WriteValue(writer, value, alertId: null)));
        }

        return json.Length <= ButtonValueMax
            ? json
            : throw new ArgumentException($"The button value is {json.Length} characters; Slack allows {ButtonValueMax}. Project and budget ids are too long.");

        static void WriteValue(Utf8JsonWriter writer, SlackActionValue value, string? alertId)
        {
            writer.WriteNumber("v", 1);
            writer.WriteString("p", value.Project);
            writer.WriteString("b", value.BudgetId);
            if (value.ScopeValue is not null)
            {
                writer.WriteString("sv", value.ScopeValue);
            }

            writer.WriteString("s", value.PeriodStart);
            writer.WriteString("l", value.LimitUsd.ToString(CultureInfo.InvariantCulture));
            if (alertId is not null)
            {
                writer.WriteString("a", alertId);
            }
        }
    }
}
