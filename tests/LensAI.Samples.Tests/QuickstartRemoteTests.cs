using LensAI.Testing;
using Quickstart;

namespace LensAI.Samples.Tests;

/// <summary>The quickstart against a backend elsewhere (LENSAI_ENDPOINT): the report, the budget and the kill-switch over HTTP.</summary>
[Collection(SamplesRunOneAtATime.Name)]
public sealed class QuickstartRemoteTests
{
    [Fact]
    public async Task With_LENSAI_ENDPOINT_the_quickstart_reports_from_the_backend_sets_a_budget_and_is_blocked()
    {
        using var data = new TempDirectory();
        await using var remote = await LocalBackend.StartAsync(Path.Combine(data.Path, "remote"), "remote-demo");
        var environment = new Dictionary<string, string>
        {
            ["LENSAI_ENDPOINT"] = remote.Endpoint.AbsoluteUri,
            ["LENSAI_API_KEY"] = remote.ApiKey,
        };
        var output = new CapturedOutput();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var run = QuickstartSample.RunAsync(["--data-dir", Path.Combine(data.Path, "quickstart")], output, environment, deadline.Token);

        // The remote backend's scheduler is off here: run its budget check once the quickstart has set the budget.
        await Eventually.TrueAsync(() => output.Text.Contains("Budget set on the backend", StringComparison.Ordinal) || run.IsCompleted, TimeSpan.FromSeconds(60), "the quickstart set its budget");
        Assert.False(run.IsCompleted, output.Text);
        var events = StoredEvents.Read(Path.Combine(data.Path, "remote")).Where(e => e.Status == "ok").ToList(); // what the report showed
        await remote.Jobs.RunAsync("rollups", deadline.Token);
        await remote.Jobs.RunAsync("budget-check", deadline.Token);
        Assert.Equal(0, await run);

        var text = output.Text;
        Assert.Contains($"Shipping to {remote.Endpoint}", text, StringComparison.Ordinal);
        Assert.Contains("Report of project 'remote-demo' for the last hour (GET /v1/report):", text, StringComparison.Ordinal);
        Assert.Contains("Kill-switch: the next call was BLOCKED before reaching the provider — budget 'demo-monthly'", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(data.Path, "quickstart", "store")), "no embedded backend was started");

        // The printed rows are the remote backend's numbers.
        Assert.Equal(8, events.Count);
        foreach (var model in events.GroupBy(e => e.Model))
        {
            var line = text.Split('\n').Single(l => l.StartsWith($"  {model.Key} ", StringComparison.Ordinal) && text.IndexOf(l, StringComparison.Ordinal) < text.IndexOf("Cost by user", StringComparison.Ordinal));
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(model.Count(), int.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(model.Sum(e => e.CostUsd ?? 0m), decimal.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture), 6);
        }
    }
}
