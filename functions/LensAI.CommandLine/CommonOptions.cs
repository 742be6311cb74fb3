using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using LensAI.Backend.Keys;

namespace LensAI.Cli;

/// <summary>Options several commands share, with their validation (a malformed value is a usage error, exit code 2).</summary>
internal static partial class CommonOptions
{
    public const string TimeHelp = "a duration back from now (30m, 24h, 7d, 2w), a UTC date (2026-11-01 = its midnight) or an ISO 8601 time (2026-11-01T12:00:00Z)";

    public static Option<string> Project(bool required = true)
    {
        var option = new Option<string>("--project", "-p")
        {
            Description = required ? "The project id." : "Only this project.",
            HelpName = "id",
            Required = required,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !ApiKeyStore.IsValidProjectId(value))
            {
                result.AddError($"--project '{value}' is not a project id: 1–63 lowercase letters, digits, '-' or '_', starting with a letter or digit.");
            }
        });
        return option;
    }

    /// <summary>An instant given as <see cref="TimeHelp"/>.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description, TimeProvider time, params string[] aliases) => new(name, aliases)
    {
        Description = $"{description}: {TimeHelp}.",
        HelpName = "time",
        CustomParser = result => ParseTime(result, time),
    };

    private static DateTimeOffset? ParseTime(ArgumentResult result, TimeProvider time)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryParseTime(text, time.GetUtcNow(), out var value))
        {
            return value;
        }

        var name = result.Parent is OptionResult option ? option.Option.Name : "time";
        result.AddError($"{name} '{text}' is not a time: use {TimeHelp}.");
        return null;
    }

    public static bool TryParseTime(string? text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            value = now;
            return true;
        }

        var relative = RelativePattern().Match(text);
        if (relative.Success)
        {
            if (!int.TryParse(relative.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var span = relative.Groups[2].Value switch
            {
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            value = now - span;
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        if (IsoPattern().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            value = instant;
            return true;
        }

        return false;
    }

    /// <summary>A duration (<c>30m</c>, <c>24h</c>, <c>90d</c>, <c>2w</c>), positive.</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = $"{description} (30m, 24h, 90d, 2w).",
        HelpName = "duration",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            var match = RelativePattern().Match(text);
            if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return match.Groups[2].Value switch
                {
                    "m" => TimeSpan.FromMinutes(n),
                    "h" => TimeSpan.FromHours(n),
                    "d" => TimeSpan.FromDays(n),
                    _ => TimeSpan.FromDays(7 * n),
                };
            }

            result.AddError($"{name} '{text}' is not a duration: use a whole number and m, h, d or w (30m, 24h, 90d, 2w).");
            return null;
        },
    };

    /// <summary><c>--scope</c>: key scopes, comma-separated or repeated (ingest, read, admin), <paramref name="defaultScopes"/> when not given.</summary>
    public static Option<string[]> Scopes(string? defaultScopes)
    {
        var option = new Option<string[]>("--scope")
        {
            Description = "What the key may do: ingest (send events, poll the kill-switch: the SDK's key), read (reports, dashboard, export), admin (budgets, overrides, audit; includes read). " +
                          "Comma-separated or repeated" + (defaultScopes is null ? "." : $"; default {defaultScopes}."),
            HelpName = "ingest|read|admin",
        };
        if (defaultScopes is not null)
        {
            option.DefaultValueFactory = _ => [defaultScopes];
        }

        option.Validators.Add(result =>
        {
            var values = result.GetValueOrDefault<string[]?>() ?? [];
            if (values.Length > 0 && !ApiKeyScopeNames.TryParse(values, out _, out var error))
            {
                result.AddError("--scope: " + error);
            }
        });
        return option;
    }

    /// <summary><c>--reason</c>: why, for the audit log.</summary>
    public static Option<string> Reason(bool required) => new("--reason")
    {
        Description = required ? "Why (kept in the audit log; required)." : "Why (kept in the audit log).",
        HelpName = "text",
        Required = required,
    };

    /// <summary>Who the command acts as in the audit log.</summary>
    public static string Actor => "cli:" + Environment.UserName;

    /// <summary>Resolves <c>--since</c>/<c>--until</c> (default: the last <paramref name="defaultSpan"/>), checking order and length.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Range(DateTimeOffset? since, DateTimeOffset? until, TimeSpan defaultSpan, TimeSpan maxSpan, DateTimeOffset now, string sinceName = "--since", string untilName = "--until")
    {
        var to = until ?? now;
        var from = since ?? to - defaultSpan;
        if (to <= from)
        {
            throw new UsageException($"{sinceName} ({Rendering.Format.Instant(from)}) must be before {untilName} ({Rendering.Format.Instant(to)}).");
        }

        if (to - from > maxSpan)
        {
            throw new UsageException($"{sinceName} to {untilName} spans {(to - from).TotalDays:0.#} days; at most {maxSpan.TotalDays:0} days at once.");
        }

        return (from, to);
    }

    [GeneratedRegex("^([0-9]{1,6})(m|h|d|w)$")]
    private static partial Regex RelativePattern();

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")]
    private static partial Regex IsoPattern();
}
