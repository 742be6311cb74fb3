using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Backend.Keys;
using LensAI.Pricing;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Cli.Tests;

/// <summary>What one in-process run of the CLI printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>
/// A temp folder with a data store (and the backend's work folder) that the CLI runs against; deleted on dispose.
/// Seeding goes through a <see cref="TestBackend"/> over this folder's store: a key, events POSTed to /v1/events.
/// </summary>
public sealed class DataFolder : IAsyncDisposable
{
    private readonly string _data;

    /// <param name="data">The store's folder under <see cref="Root"/>.</param>
    public DataFolder(string data = "data")
    {
        Root = Path.Combine(Path.GetTempPath(), "lensai-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        _data = data;
    }

    public string Root { get; }

    public string Data => Path.Combine(Root, _data);

    public string Work => Path.Combine(Root, "work");

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>The settings that point a <see cref="TestBackend"/> at this folder's store and work folder, plus <paramref name="more"/>.</summary>
    public Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? [])
        {
            ["LensAI:Backend:Storage:LocalPath"] = Data,
            ["LensAI:Backend:WorkDirectory"] = Work,
        };
        return settings;
    }

    /// <summary>Runs <c>lensai</c> in process on this folder's store.</summary>
    public async Task<CliRun> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync([.. args, "--data", Data, "--config", $"LensAI:Backend:WorkDirectory={Work}"], stdout, stderr);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>lensai</c> in process as on an interactive ANSI terminal (live progress, colour).</summary>
    public async Task<CliRun> RunOnTerminalAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync([.. args, "--data", Data, "--config", $"LensAI:Backend:WorkDirectory={Work}"], stdout, stderr, Root, terminal: true);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts a backend on this store, creates a key, POSTs the batches (each must be fully accepted) and sets budgets.</summary>
    public async Task<string> SeedAsync(string project, IEnumerable<IReadOnlyList<UsageEvent>> batches, string? budgetsJson = null)
    {
        await using var app = await TestBackend.StartAsync(settings: Settings());
        var key = await app.CreateKeyAsync(project, "seed");
        using var http = app.Client(key);
        foreach (var batch in batches)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new UsageEventBatch { Events = batch }, LensAIJsonContext.Default.UsageEventBatch);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync("v1/events", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            Assert.Equal(batch.Count, JsonDocument.Parse(text).RootElement.GetProperty("accepted").GetInt32());
        }

        if (budgetsJson is not null)
        {
            await app.Services.GetRequiredService<BudgetStore>().SetBudgetsAsync(project, BudgetStore.Parse(Encoding.UTF8.GetBytes(budgetsJson)), "test", CancellationToken.None);
            await app.Services.GetRequiredService<BudgetCheckJob>().CheckProjectAsync(project, CancellationToken.None);
        }

        return key;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The events the tests ingest: three models (one the catalogue cannot price), five users and a user-less call, two routes, an error every tenth call, over the last ~6 hours.</summary>
public static class TestEvents
{
    public const string UnpricedModel = "my-private-model";

    public static List<UsageEvent> Make(int count, DateTimeOffset now)
        => Enumerable.Range(0, count).Select(i => new UsageEvent
        {
            EventId = $"evt-{now.ToUnixTimeSeconds()}-{i:D4}",
            Timestamp = now.AddMinutes(-9 * i).AddSeconds(-5),
            Provider = "openai",
            Model = (i % 4) switch { 0 => "gpt-4o-2024-08-06", 3 => UnpricedModel, _ => "gpt-4o-mini-2024-07-18" },
            Operation = "chat",
            TokensIn = 1000 + (37 * i),
            TokensOut = 100 + (11 * i),
            TokensCachedIn = i % 3 == 0 ? 500 : 0,
            LatencyMs = 100 + (13 * i),
            Status = i % 10 == 9 ? UsageStatus.Error : UsageStatus.Ok,
            HttpStatus = i % 10 == 9 ? 500 : 200,
            UserId = i == 7 ? null : "user-" + (i % 5),
            Route = i % 2 == 0 ? "POST /chat" : "POST /search",
            Sdk = "cli-tests/1.0",
        }).ToList();

    /// <summary>
    /// What an event costs by the price catalogue's list prices, worked out here from the per-million rates (not with
    /// the catalogue's own cost code): uncached input, cached input and output, rounded to 9 decimals like the stored
    /// column. Null for a model the catalogue does not price.
    /// </summary>
    public static decimal? ExpectedCost(UsageEvent e)
    {
        if (!PriceCatalog.Default.TryGetPrice(e.Provider, e.Model, out var price))
        {
            return null;
        }

        var micro = ((e.TokensIn - e.TokensCachedIn) * price.InputPerMillion)
            + (e.TokensCachedIn * (price.CachedInputPerMillion ?? price.InputPerMillion))
            + (e.TokensOut * price.OutputPerMillion);
        return decimal.Round(micro / 1_000_000m, 9, MidpointRounding.AwayFromZero);
    }
}
