using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Budgets;
using LensAI.Cli.Rendering;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>budgets set|list|override|raise|reset</c>: a project's budgets file, its current state, and the operator actions the Slack buttons offer.</summary>
internal static class BudgetsCommand
{
    public static Command Create(CliContext context)
    {
        var setProject = CommonOptions.Project();
        var file = new Option<string>("--file", "-f") { Description = "The budgets JSON file (see docs/budgets.md).", HelpName = "budgets.json", Required = true };
        var set = new Command("set", "Validate a budgets file and make it the project's budgets; then run the budget check once so the kill-switch reflects it.") { setProject, file };
        context.SetBackendAction(set, async (parse, backend, ct) =>
        {
            var project = parse.GetRequiredValue(setProject);
            var path = context.FullPath(parse.GetRequiredValue(file));
            if (!File.Exists(path))
            {
                throw new UsageException($"--file '{path}' does not exist.");
            }

            await backend.EnsureProjectAsync(project, ct).ConfigureAwait(false);
            BudgetFile budgets;
            try
            {
                budgets = BudgetStore.Parse(await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false));
            }
            catch (BudgetValidationException ex)
            {
                foreach (var (pointer, message) in ex.Errors)
                {
                    context.Error($"{path}#{pointer}: {message}");
                }

                context.Note($"{path}: {ex.Errors.Count} problem(s); the budgets were not changed.");
                return ExitCodes.Failed;
            }

            await backend.Get<BudgetStore>().SetBudgetsAsync(project, budgets, CommonOptions.Actor, ct).ConfigureAwait(false);
            await backend.Get<BudgetCheckJob>().CheckProjectAsync(project, ct).ConfigureAwait(false);
            context.Note($"Set {budgets.Budgets.Count} budget(s){(budgets.DefaultUserBudget is null ? "" : " and a default per-user budget")} for '{project}'.");
            await WriteTableAsync(context, backend, project, budgets, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });

        var listProject = CommonOptions.Project();
        var json = new Option<bool>("--json") { Description = "Print the stored budgets file as JSON." };
        var list = new Command("list", "Show a project's budgets with spend, limit and status from the last budget check.") { listProject, json };
        context.SetBackendAction(list, async (parse, backend, ct) =>
        {
            var project = parse.GetRequiredValue(listProject);
            await backend.EnsureProjectAsync(project, ct).ConfigureAwait(false);
            var store = backend.Get<BudgetStore>();
            if (parse.GetValue(json))
            {
                var stored = await store.Store.GetAsync(BudgetStore.BudgetsKey(project), ct).ConfigureAwait(false);
                context.OutWriter.WriteLine(stored is null ? "{\"budgets\": []}" : System.Text.Encoding.UTF8.GetString(stored.Content));
                return ExitCodes.Ok;
            }

            var budgets = await store.GetBudgetsAsync(project, ct).ConfigureAwait(false);
            if (budgets is null || (budgets.Budgets.Count == 0 && budgets.DefaultUserBudget is null))
            {
                context.Note($"No budgets for '{project}'. Set them with 'lensai budgets set --project {project} --file budgets.json'.");
                return ExitCodes.Ok;
            }

            await WriteTableAsync(context, backend, project, budgets, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });

        return new Command("budgets", "Set and show budgets (alerts at thresholds, kill-switch at 100 % for block budgets); override, raise or reset one for this period.")
        {
            set, list,
            Action(context, "override", "Let calls through over the limit for the budget's override window (what Slack's \"Override\" button does).", null, null),
            Action(context, "raise", "Raise the budget's limit for this period by --percent, or to --limit (what Slack's \"Raise 10 %\" button does).",
                new Option<decimal?>("--percent") { Description = "Raise by this many percent (e.g. 10).", HelpName = "n" },
                new Option<decimal?>("--limit") { Description = "The new limit for this period, in USD.", HelpName = "usd" }),
            Action(context, "reset", "End the budget's override and raise for this period: it applies as configured again.", null, null),
        };
    }

    private static Command Action(CliContext context, string action, string description, Option<decimal?>? percent, Option<decimal?>? limit)
    {
        var project = CommonOptions.Project();
        var budget = new Option<string>("--budget", "-b") { Description = "The budget id (as in 'lensai budgets list'; default-<tier> for a default per-user budget).", HelpName = "id", Required = true };
        var user = new Option<string?>("--user") { Description = "The user, for a default per-user budget (default-<tier>).", HelpName = "id" };
        var reason = CommonOptions.Reason(required: true);
        var command = new Command(action, description) { project, budget, user, reason };
        if (percent is not null && limit is not null)
        {
            command.Options.Add(percent);
            command.Options.Add(limit);
            command.Validators.Add(r =>
            {
                if ((r.GetValue(percent) is null) == (r.GetValue(limit) is null))
                {
                    r.AddError("Give --percent or --limit (one of them).");
                }
            });
        }

        context.SetBackendAction(command, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            await backend.EnsureProjectAsync(id, ct).ConfigureAwait(false);
            var actions = backend.Get<BudgetActions>();
            var (budgetId, scopeValue, why) = (parse.GetRequiredValue(budget), parse.GetValue(user), parse.GetRequiredValue(reason));
            if (string.IsNullOrWhiteSpace(why))
            {
                throw new UsageException("--reason must say why.");
            }

            AuditEntry entry;
            try
            {
                entry = action switch
                {
                    "override" => await actions.OverrideAsync(id, budgetId, scopeValue, CommonOptions.Actor, why, ct).ConfigureAwait(false),
                    "reset" => await actions.ResetAsync(id, budgetId, scopeValue, CommonOptions.Actor, why, ct).ConfigureAwait(false),
                    _ when parse.GetValue(limit!) is { } usd => await actions.SetLimitAsync(id, budgetId, scopeValue, usd, CommonOptions.Actor, why, ct).ConfigureAwait(false),
                    _ => await actions.RaiseAsync(id, budgetId, scopeValue, parse.GetValue(percent!)!.Value, CommonOptions.Actor, why, ct).ConfigureAwait(false),
                };
            }
            catch (KeyNotFoundException ex)
            {
                throw new CommandFailedException(ex.Message + $" (see 'lensai budgets list --project {id}').");
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new UsageException(ex.Message.Split(Environment.NewLine)[0]);
            }

            context.OutWriter.WriteLine(entry.Detail);
            context.Note($"Audited as {entry.Action} by {entry.Actor}; the kill-switch document was rewritten (the SDK sees it on its next poll).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static async Task WriteTableAsync(CliContext context, BackendSession backend, string project, BudgetFile budgets, CancellationToken ct)
    {
        var status = await ReadStatusAsync(backend, project, ct).ConfigureAwait(false);
        var table = new Table().RoundedBorder().Title($"Budgets of {Markup.Escape(project)} ({Markup.Escape(budgets.TimeZone)})");
        table.AddColumns("Budget", "Scope", "Period", "Action", "Thresholds");
        table.AddColumn(new TableColumn("Spent").RightAligned());
        table.AddColumn(new TableColumn("Limit").RightAligned());
        table.AddColumns("Used", "Status");
        foreach (var b in budgets.Budgets)
        {
            var state = status?.Budgets.FirstOrDefault(s => s.BudgetId == b.Id);
            table.AddRow(
                new Text(b.Id),
                new Text(b.ScopeValue is null ? b.Scope : $"{b.Scope} = {b.ScopeValue}"),
                new Text(b.Period),
                new Text(b.Action),
                new Text(string.Join(", ", b.Thresholds.Select(t => t.ToString(CultureInfo.InvariantCulture) + "%"))),
                new Text(state is null ? "–" : Format.Money(state.SpentUsd)),
                new Text(Format.Money(state?.LimitUsd ?? b.AmountUsd)),
                state is null ? new Text("–") : Gauges.Bar(state.SpentUsd, state.LimitUsd, 16),
                StatusOf(state, context.Time.GetUtcNow()));
        }

        if (budgets.DefaultUserBudget is { } defaults)
        {
            foreach (var (tier, template) in defaults.Tiers.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                var watched = status?.Budgets.Count(s => s.BudgetId == "default-" + tier) ?? 0;
                table.AddRow(
                    new Text($"default user ({tier})"),
                    new Text(defaults.DefaultTier == tier ? $"user, tier {tier} (default)" : $"user, tier {tier}"),
                    new Text(template?.Period ?? "–"),
                    new Text(template?.Action ?? "none"),
                    new Text(template is null ? "–" : string.Join(", ", template.Thresholds.Select(t => t.ToString(CultureInfo.InvariantCulture) + "%"))),
                    new Text("–"),
                    new Text(template is null ? "no quota" : Format.Money(template.AmountUsd)),
                    new Text(watched > 0 ? $"{watched} user(s) watched" : "–"),
                    new Text(""));
            }
        }

        context.Out.Write(table);
        if (status is not null)
        {
            context.Out.MarkupLineInterpolated($"[grey]Spend as of {Format.Instant(status.GeneratedAt)} (the budget check runs every 20 s in the embedded default; 'lensai jobs run budget-check' runs it now).[/]");
        }
    }

    private static Markup StatusOf(BudgetScopeStatus? state, DateTimeOffset now) => state switch
    {
        null => new Markup("[grey]not checked yet[/]"),
        { Blocked: true } => new Markup("[red bold]blocked[/]"),
        { OverrideUntil: { } until } when until > now => new Markup($"[yellow]override until {Markup.Escape(Format.Instant(until))}[/]"),
        _ when state.LimitUsd > 0 && state.SpentUsd >= state.LimitUsd => new Markup("[red]over limit[/]"),
        _ => new Markup("[green]ok[/]"),
    };

    internal static async Task<BudgetStatusDocument?> ReadStatusAsync(BackendSession backend, string project, CancellationToken ct)
    {
        var stored = await backend.Get<BudgetStore>().GetStatusAsync(project, ct).ConfigureAwait(false);
        return stored is null ? null : JsonSerializer.Deserialize(stored.Content, BudgetStatusJsonContext.Default.BudgetStatusDocument);
    }
}
