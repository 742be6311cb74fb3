using System.CommandLine;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Cli.Rendering;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>audit</c>: a project's audit log (budget changes, overrides, raises, resets, keys, alerts sent).</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var project = CommonOptions.Project();
        var since = CommonOptions.Time("--since", "From (default: 30 days before --until)", context.Time);
        var until = CommonOptions.Time("--until", "Until (default: now)", context.Time);
        var kind = new Option<string[]>("--kind")
        {
            Description = "Only these kinds: budget.created|changed|deleted|override|raise|reset, key.created|rotated|revoked, alert.sent, or a family (budget, key, alert). Repeatable.",
            HelpName = "kind",
        };
        var limit = new Option<int>("--limit") { Description = "At most this many entries (1–10000, default 200).", HelpName = "n", DefaultValueFactory = _ => 200 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be from 1 to 10000.");
            }
        });
        var json = new Option<bool>("--json") { Description = "Print the entries as JSON lines (one entry per line), with the values before and after." };
        var command = new Command("audit", "Show a project's audit log, oldest first: who changed which budget or key, when, the values before and after, and why.")
        {
            project, since, until, kind, limit, json,
        };
        context.SetBackendAction(command, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            await backend.EnsureProjectAsync(id, ct).ConfigureAwait(false);
            var (from, to) = CommonOptions.Range(parse.GetValue(since), parse.GetValue(until), TimeSpan.FromDays(30), AuditLog.MaxRange, context.Time.GetUtcNow());
            var kinds = (parse.GetValue(kind) ?? []).SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var max = parse.GetValue(limit);
            var log = backend.Get<BudgetStore>().Audit;
            var entries = new List<AuditEntry>();
            string? cursor = null;
            do
            {
                var page = await log.QueryAsync(id, from, to, kinds, Math.Min(AuditLog.MaxPageSize, max - entries.Count), cursor, ct).ConfigureAwait(false);
                entries.AddRange(page.Entries);
                cursor = page.NextCursor;
            }
            while (cursor is not null && entries.Count < max);

            if (parse.GetValue(json))
            {
                foreach (var entry in entries)
                {
                    context.OutWriter.WriteLine(JsonSerializer.Serialize(entry, AuditJsonContext.Default.AuditEntry));
                }

                return ExitCodes.Ok;
            }

            if (entries.Count == 0)
            {
                context.Note($"No audit entries for '{id}' from {Format.Instant(from)} to {Format.Instant(to)}{(kinds.Count > 0 ? " of kind " + string.Join(", ", kinds) : "")}.");
                return ExitCodes.Ok;
            }

            var table = new Table().RoundedBorder().Title($"Audit log of {Markup.Escape(id)}");
            table.AddColumns("At", "Who", "Kind", "Target", "Change", "Reason");
            foreach (var e in entries)
            {
                table.AddRow(new Text(Format.Instant(e.At)), new Text(e.Actor), new Text(e.Action), new Text(e.Target ?? ""), new Text(Change(e)), new Text(e.Reason ?? ""));
            }

            context.Out.Write(table);
            if (cursor is not null)
            {
                context.Note($"Showing the first {entries.Count}; narrow --since/--until or raise --limit for more.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What changed, in one line: the members whose values differ, before → after (or the detail when the entry has no values).</summary>
    internal static string Change(AuditEntry entry)
    {
        if (entry.Before is null && entry.After is null)
        {
            return entry.Detail;
        }

        if (entry.Before is not { ValueKind: JsonValueKind.Object } before || entry.After is not { ValueKind: JsonValueKind.Object } after)
        {
            return (entry.Before, entry.After) switch
            {
                (null, { ValueKind: JsonValueKind.Object } created) => Members(created),
                ({ ValueKind: JsonValueKind.Object } deleted, null) => "deleted (was " + Members(deleted) + ")",
                _ => $"{(entry.Before is { } b ? Short(b) : "–")} → {(entry.After is { } a ? Short(a) : "–")}",
            };
        }

        var changes = new List<string>();
        foreach (var property in after.EnumerateObject())
        {
            var old = before.TryGetProperty(property.Name, out var value) ? Short(value) : "–";
            var now = Short(property.Value);
            if (old != now)
            {
                changes.Add($"{property.Name}: {old} → {now}");
            }
        }

        return changes.Count == 0 ? "no change" : string.Join("; ", changes);
    }

    /// <summary>An object's plain members, <c>name: value; …</c>, cut at 200 characters.</summary>
    private static string Members(JsonElement value)
    {
        var text = string.Join("; ", value.EnumerateObject()
            .Where(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array))
            .Select(p => p.Name + ": " + Short(p.Value)));
        return text.Length <= 200 ? text : text[..199] + "…";
    }

    private static string Short(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null => "–",
        _ => value.GetRawText(),
    };
}
