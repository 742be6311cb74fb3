using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Cli.Tests;

/// <summary>
/// A folder like the one docs/cli.md's examples run in: its <c>.lensai/data</c> (the default store) holds project
/// "acme", seeded through the real ingest endpoint.
/// </summary>
public sealed class DocProject : IAsyncLifetime
{
    public const int Count = 24;

    public DataFolder Folder { get; } = new(Path.Combine(".lensai", "data"));

    public IReadOnlyList<UsageEvent> Events { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Events = TestEvents.Make(Count, DateTimeOffset.UtcNow);
        await Folder.SeedAsync("acme", [Events]);
    }

    public async Task DisposeAsync() => await Folder.DisposeAsync();
}

/// <summary>Runs every command of docs/cli.md exactly as written (in process, in <see cref="DocProject"/>'s folder) and checks what it does.</summary>
public sealed class DocsCommandTests(DocProject project) : IClassFixture<DocProject>
{
    private const string Doc = "docs/cli.md";

    [Fact]
    public async Task Keys_create_list_and_revoke_as_documented()
    {
        var created = await RunAsync(DocCommands.Single("docs/cli.md", "keys-create"));
        Assert.Matches("^lsk_[a-z0-9]{8}_[a-z0-9]{32}$", created.Out.Trim());
        var prefix = created.Out.Trim().Substring(4, 8);

        var list = await RunAsync(DocCommands.Single("docs/cli.md", "keys-list"));
        Assert.Matches($@"{prefix}\s+│ acme\s+│ checkout-service .*active", list.Out);
        Assert.DoesNotContain(created.Out.Trim()[13..], list.Out);

        var revoked = await RunAsync(DocCommands.Single("docs/cli.md", "keys-revoke"));
        Assert.Contains($"Revoked {prefix}", revoked.Err);
        Assert.Matches($@"{prefix}\s+│ acme\s+│ checkout-service .*revoked", (await RunAsync(DocCommands.Single("docs/cli.md", "keys-list"))).Out);

        var data = await RunAsync(DocCommands.Single("docs/cli.md", "data-folder"));
        Assert.Contains(prefix, data.Out);
        Assert.Contains("seed", data.Out);
    }

    [Fact]
    public async Task Keys_rotate_as_documented_keeps_the_scopes_and_audits_the_reason()
    {
        var lines = DocCommands.Lines("docs/cli.md", "keys-rotate");
        Assert.Equal(2, lines.Count);
        var created = await RunAsync(lines[0]);
        var prefix = created.Out.Trim().Substring(4, 8);
        var rotated = await RunAsync(lines[1].Replace("<prefix>", prefix, StringComparison.Ordinal));
        Assert.Matches("^lsk_[a-z0-9]{8}_[a-z0-9]{32}$", rotated.Out.Trim());
        Assert.Contains($"Rotated {prefix} to {rotated.Out.Trim().Substring(4, 8)} (read)", rotated.Err, StringComparison.Ordinal);
        var audit = await RunAsync($"lensai audit --project acme --kind key.rotated");
        Assert.Contains("yearly rotation", audit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budget_actions_and_the_audit_log_as_documented()
    {
        var json = Regex.Match(await File.ReadAllTextAsync(RepositoryPaths.Combine("docs", "cli.md")), "```json\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        await File.WriteAllTextAsync(project.Folder.PathOf("budgets.json"), json);
        await RunAsync(DocCommands.Single("docs/cli.md", "budgets-set"));
        var outputs = new List<string>();
        foreach (var line in DocCommands.Lines("docs/cli.md", "budgets-actions"))
        {
            outputs.Add((await RunAsync(line)).Out);
        }

        Assert.Contains("limit raised 25 % to 25.00 USD", outputs[0], StringComparison.Ordinal);
        Assert.Contains("override until", outputs[1], StringComparison.Ordinal);
        Assert.Contains("reset to 20.00 USD", outputs[2], StringComparison.Ordinal);
        var audit = await RunAsync(DocCommands.Single("docs/cli.md", "audit"));
        foreach (var text in new[] { "budget.raise", "budget.override", "budget.reset", "launch day", "launch over" })
        {
            Assert.Contains(text, audit.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Budgets_set_and_list_the_documented_file()
    {
        // The budgets.json the page shows (its only JSON block).
        var json = Regex.Match(await File.ReadAllTextAsync(RepositoryPaths.Combine("docs", "cli.md")), "```json\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        await File.WriteAllTextAsync(project.Folder.PathOf("budgets.json"), json);

        var set = await RunAsync(DocCommands.Single("docs/cli.md", "budgets-set"));
        Assert.Contains("Set 2 budget(s)", set.Err);
        var list = await RunAsync(DocCommands.Single("docs/cli.md", "budgets-list"));
        Assert.Matches(@"monthly-total .*\$500\.00", list.Out);
        Assert.Matches(@"mini-daily .*model = gpt-4o-mini.*\$20\.00", list.Out);
    }

    [Fact]
    public async Task Report_and_its_html_as_documented()
    {
        var report = await RunAsync(DocCommands.Single("docs/cli.md", "report"));
        Assert.Matches($@"│ Requests\s+│\s+{DocProject.Count} │", report.Out);
        Assert.Contains(Rendering.Format.Usd(project.Events.Sum(e => TestEvents.ExpectedCost(e) ?? 0)), report.Out);
        Assert.Contains("By model", report.Out);

        var html = await RunAsync(DocCommands.Single("docs/cli.md", "report-html"));
        Assert.Contains("By user", html.Out);
        var file = await File.ReadAllTextAsync(project.Folder.PathOf("report.html"));
        Assert.Contains("data-chart=\"cost-over-time\"", file);
        Assert.Contains("data-chart=\"users\"", file);
        Assert.Contains("data-chart=\"latency\"", file);
    }

    [Fact]
    public async Task Queries_as_documented()
    {
        var table = await RunAsync(DocCommands.Single("docs/cli.md", "query"));
        foreach (var model in project.Events.Select(e => e.Model).Distinct())
        {
            Assert.Contains(model, table.Out);
        }

        var csv = await RunAsync(DocCommands.Single("docs/cli.md", "query-csv"));
        var lines = csv.Out.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Equal("user_id,calls,cost", lines[0]);
        Assert.Equal(DocProject.Count, lines.Skip(1).Sum(l => int.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)));
        Assert.Equal(project.Events.Select(e => e.UserId).Distinct().Count(), lines.Length - 1);
    }

    [Fact]
    public async Task Export_as_documented()
    {
        var run = await RunAsync(DocCommands.Single("docs/cli.md", "export"));
        Assert.Contains($"Exported {DocProject.Count} event(s)", run.Out);
        var days = project.Events.Select(e => e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Distinct();
        foreach (var day in days)
        {
            Assert.True(File.Exists(project.Folder.PathOf($"lensai-export/project=acme/dt={day}/events.parquet")), day);
        }
    }

    [Fact]
    public async Task Jobs_as_documented()
    {
        var lines = DocCommands.Lines("docs/cli.md", "jobs");
        Assert.Equal(2, lines.Count);
        Assert.Contains("budget-check", (await RunAsync(lines[0])).Out);
        Assert.Contains("rollups", (await RunAsync(lines[1])).Out);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(project.Folder.Data, "rollups"), "*.parquet", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Serve_as_documented_answers_healthz_until_cancelled()
    {
        var args = DocCommands.SplitArguments(DocCommands.Single("docs/cli.md", "serve"));
        Assert.Equal("lensai", args[0]);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var stop = new CancellationTokenSource();
        var output = TextWriter.Synchronized(stdout); // writes lock the wrapper; reads below take the same lock
        var serving = Cli.RunAsync([.. args.Skip(1)], output, stderr, project.Folder.Root, cancellationToken: stop.Token);
        try
        {
            // The address (port 0 picks one) is printed once it listens: poll the output with a deadline.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            Match listening;
            while (!(listening = Regex.Match(Read(), @"listening on (http://127\.0\.0\.1:\d+)")).Success)
            {
                if (serving.IsCompleted)
                {
                    Assert.Fail($"serve ended early: exit {await serving}\n{stderr}");
                }

                Assert.True(DateTime.UtcNow < deadline, $"serve did not print its address within 60 s\n{stderr}");
                await Task.Delay(50);
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var response = await http.GetAsync(listening.Groups[1].Value + "/healthz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            stop.Cancel();
        }

        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));

        string Read()
        {
            lock (output)
            {
                return stdout.ToString();
            }
        }
    }

    /// <summary>Runs a documented <c>lensai …</c> line in process, in the project's folder; it must succeed.</summary>
    private async Task<CliRun> RunAsync(string command)
    {
        var args = DocCommands.SplitArguments(command);
        Assert.Equal("lensai", args[0]);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync([.. args.Skip(1)], stdout, stderr, project.Folder.Root);
        var run = new CliRun(code, stdout.ToString(), stderr.ToString());
        Assert.True(code == 0, $"{Doc}: {command}\n{run}");
        return run;
    }
}
