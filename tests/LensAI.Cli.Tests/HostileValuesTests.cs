using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using LensAI.Backend.Budgets;
using LensAI.Backend.Export;
using LensAI.Backend.Keys;
using LensAI.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LensAI.Cli.Tests;

/// <summary>
/// Values that break SQL built by pasting text — control characters, quotes, backslashes, LIKE wildcards, 10,000
/// characters, emoji, RTL and CJK text, SQL and parameter syntax, spreadsheet formulas — in every string field (event_id,
/// user_id, route, model, provider, operation, sdk, request_id and metadata keys and values), ingested through the real
/// pipeline (the backend on loopback) and read back exactly by every reader: the report (the dashboard's data), export
/// as Parquet and CSV (HTTP and CLI; CSV cells that a spreadsheet would run come back with a leading <c>'</c>),
/// <c>lensai query</c> (JSON and CSV) over the <c>events</c> and <c>rollups</c> views, the budget check with budgets
/// scoped to those values, rollups and compaction.
/// </summary>
public sealed class HostileValuesTests : IAsyncLifetime
{
    private const string Project = "acme";
    private const string PricedModel = "gpt-4o-mini-2024-07-18";

    public static readonly string[] Hostile =
    [
        "ctl \u0001 tab\t cr\r lf\n crlf\r\n end",
        "single ' double \" backslash \\ \\' '' \\\\ end",
        "like %_% _ wildcards",
        "emoji 😀🚀 👩‍👩‍👧 rtl مرحبا עברית cjk 中文日本語한국어",
        "'); DROP TABLE events; --",
        "$1 ? $files getvariable('lensai_query_files') {events}",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\tTAB first",
        "\rCR first",
        string.Concat(Enumerable.Repeat("long ü😀 ' \" \\ %_ \t|", 500)), // 10,000 characters
    ];

    private readonly DataFolder _folder = new();
    private TestBackend _app = null!;
    private HttpClient _http = null!;
    private DateTimeOffset _now;
    private List<UsageEvent> _attributed = null!;
    private List<UsageEvent> _models = null!;

    public async Task InitializeAsync()
    {
        Assert.Equal(10_000, Hostile[^1].Length);
        _app = await TestBackend.StartAsync(settings: _folder.Settings(new()
        {
            ["LensAI:Backend:Limits:MaxIdLength"] = "20000",
            ["LensAI:Backend:Limits:MaxUserIdLength"] = "20000",
            ["LensAI:Backend:Limits:MaxRouteLength"] = "20000",
            ["LensAI:Backend:Limits:MaxMetadataKeyLength"] = "20000",
            ["LensAI:Backend:Limits:MaxMetadataValueLength"] = "20000",
        }));
        _http = _app.Client(await _app.CreateKeyAsync(Project, "hostile"));

        // Attributed calls: a priced model, every hostile value as user, route, request id and a metadata entry.
        // Unpriced calls: every hostile value as the model. Three parts, one of them a re-send (duplicates).
        _now = DateTimeOffset.UtcNow;
        _attributed = Hostile.Select((h, i) => Event($"a-{i}", PricedModel, user: h, route: h, request: h, metadata: new() { [h] = h, ["plain"] = h }, tokensIn: 1000 * (i + 1))).ToList();
        _models = Hostile.Select((h, i) => Event($"m-{i}", h, user: "plain-user", route: "POST /plain", request: null, metadata: null, tokensIn: 10) with { Provider = h, Operation = h, Sdk = h }).ToList();
        foreach (var batch in new[] { _attributed, _models, _attributed })
        {
            using var response = await _http.PostAsync("v1/events", Content(new UsageEventBatch { Events = batch }));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            Assert.Equal(batch.Count, JsonDocument.Parse(text).RootElement.GetProperty("accepted").GetInt32());
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _folder.DisposeAsync();
    }

    [Fact]
    public async Task Every_reader_and_job_round_trips_the_exact_values()
    {
        await ReportHasEveryValueAsync("raw events");

        // lensai query over the views, with and without a time window (bound as variables), and over rollups.
        await QueryHasEveryValueAsync();
        await QueryHasEveryValueAsync("--since", Iso(_now.AddHours(-1)), "--until", Iso(_now.AddMinutes(5)));

        await ExportsHaveEveryValueAsync();
        await QueryCsvNeutralizesFormulasAsync();
        await BudgetsScopedToTheValuesSeeTheirSpendAsync();

        // Rollups, then compaction: the report now comes from the stored rollups, the events from one compacted part.
        Assert.Equal(0, (await _folder.RunAsync("jobs", "run", "rollups")).ExitCode);
        await ReportHasEveryValueAsync("stored rollups");
        var compaction = await _folder.RunAsync("jobs", "run", "compaction");
        Assert.True(compaction.ExitCode == 0, compaction.ToString());
        Assert.Contains("duplicates removed", compaction.Out + compaction.Err, StringComparison.Ordinal);
        await QueryHasEveryValueAsync();
        await ReportHasEveryValueAsync("rollups after compaction");
        await ExportsHaveEveryValueAsync();
    }

    private async Task ReportHasEveryValueAsync(string stage)
    {
        // The dashboard's data (an hourly range) and a multi-day report (daily buckets): GET /v1/report.
        foreach (var from in new[] { _now.AddHours(-2), _now.AddDays(-3) })
        {
            using var report = JsonDocument.Parse(await _http.GetStringAsync($"v1/report?from={Uri.EscapeDataString(Iso(from))}&to={Uri.EscapeDataString(Iso(_now.AddMinutes(5)))}&top=100"));
            var root = report.RootElement;
            foreach (var (property, values) in new[] { ("by_user", Hostile.Append("plain-user")), ("by_route", Hostile.Append("POST /plain")), ("by_model", Hostile.Append(PricedModel)) })
            {
                var rows = root.GetProperty(property).EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, StringComparer.Ordinal);
                Assert.True(values.ToHashSet().SetEquals(rows.Keys), $"{stage}: {property} keys differ");
                Assert.All(Hostile, h => Assert.Equal(1, rows[h].GetProperty("requests").GetInt64()));
            }

            var byUser = root.GetProperty("by_user").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("cost_usd").GetDecimal(), StringComparer.Ordinal);
            Assert.All(_attributed, e => Assert.Equal(TestEvents.ExpectedCost(e), byUser[e.UserId!]));
            Assert.True(Hostile.ToHashSet().SetEquals(root.GetProperty("unpriced_models").EnumerateArray().Select(m => m.GetString()!)), $"{stage}: unpriced models");
            Assert.Equal(2 * Hostile.Length, root.GetProperty("totals").GetProperty("requests").GetInt64());
        }

        // The CLI's report over the same data.
        var cli = await _folder.RunAsync("report", "--project", Project, "--since", "1d", "--by", "user", "--json", "--top", "100");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        using var json = JsonDocument.Parse(cli.Out);
        Assert.True(Hostile.Append("plain-user").ToHashSet().SetEquals(json.RootElement.GetProperty("by_user").EnumerateArray().Select(r => r.GetProperty("key").GetString()!)), $"{stage}: lensai report");
    }

    private async Task QueryHasEveryValueAsync(params string[] window)
    {
        const string Sql = """
            SELECT event_id, user_id, route, model, provider, operation, sdk, request_id, metadata[map_keys(metadata)[1]] AS first_value, map_keys(metadata) AS keys_as_text,
                   list_sort(map_keys(metadata))[1] AS k1, list_sort(map_keys(metadata))[2] AS k2
            FROM events ORDER BY event_id
            """;
        var run = await _folder.RunAsync(["query", "--project", Project, "--format", "json", Sql, .. window]);
        Assert.True(run.ExitCode == 0, run.ToString());
        using var rows = JsonDocument.Parse(run.Out);
        var byId = rows.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("event_id").GetString()!);
        Assert.Equal(_attributed.Count + _models.Count, byId.Count); // the re-sent copies are dropped
        foreach (var e in _attributed.Concat(_models))
        {
            var row = byId[e.EventId];
            Assert.Equal(e.UserId, row.GetProperty("user_id").GetString());
            Assert.Equal(e.Route, row.GetProperty("route").GetString());
            Assert.Equal(e.Model, row.GetProperty("model").GetString());
            Assert.Equal(e.Provider, row.GetProperty("provider").GetString());
            Assert.Equal(e.Operation, row.GetProperty("operation").GetString());
            Assert.Equal(e.Sdk, row.GetProperty("sdk").GetString());
            Assert.Equal(e.RequestId, row.GetProperty("request_id").GetString());
            if (e.Metadata is { } metadata)
            {
                var keys = metadata.Keys.Order(StringComparer.Ordinal).ToList();
                Assert.Equal(keys, [row.GetProperty("k1").GetString()!, row.GetProperty("k2").GetString()!], StringComparer.Ordinal);
                Assert.Equal(e.UserId, row.GetProperty("first_value").GetString()); // both entries hold the hostile value
            }
        }

        // The rollups view: the same keys, each one request.
        var rollups = await _folder.RunAsync(["query", "--project", Project, "--format", "json", "SELECT key, sum(requests)::BIGINT AS n FROM rollups WHERE grain = 'hour' AND dimension = 'route' GROUP BY key", .. window]);
        Assert.True(rollups.ExitCode == 0, rollups.ToString());
        using var routes = JsonDocument.Parse(rollups.Out);
        var counts = routes.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("n").GetInt64(), StringComparer.Ordinal);
        Assert.All(Hostile, h => Assert.Equal(1, counts[h]));
    }

    private async Task ExportsHaveEveryValueAsync()
    {
        var from = Uri.EscapeDataString(Iso(_now.AddHours(-1)));
        var to = Uri.EscapeDataString(Iso(_now.AddMinutes(5)));
        foreach (var format in new[] { "parquet", "csv" })
        {
            var file = _folder.PathOf($"export-{Guid.NewGuid():N}.{format}");
            await File.WriteAllBytesAsync(file, await _http.GetByteArrayAsync($"v1/export?from={from}&to={to}&format={format}"));
            AssertExported(format == "csv" ? "read_csv($path, header = true, quote = '\"', escape = '\"', all_varchar = true)" : "read_parquet($path)", file, csv: format == "csv");
        }

        foreach (var format in new[] { "parquet", "csv" })
        {
            var folder = _folder.PathOf($"cli-export-{Guid.NewGuid():N}");
            var run = await _folder.RunAsync("export", "--project", Project, "--since", Iso(_now.AddHours(-1)), "--until", Iso(_now.AddMinutes(5)), "--format", format, "--out", folder);
            Assert.True(run.ExitCode == 0, run.ToString());
            var glob = Path.Combine(folder, "**", "events." + format);
            AssertExported(format == "csv" ? "read_csv($path, header = true, quote = '\"', escape = '\"', all_varchar = true, union_by_name = true)" : "read_parquet($path, union_by_name = true)", glob, csv: format == "csv");
        }
    }

    /// <summary><c>lensai query --format csv</c>: text cells a spreadsheet would run come back with a leading <c>'</c>, numbers as they are.</summary>
    private async Task QueryCsvNeutralizesFormulasAsync()
    {
        var run = await _folder.RunAsync("query", "--project", Project, "--format", "csv", "SELECT event_id, user_id, -tokens_in AS minus FROM events WHERE event_id LIKE '%-a-%' ORDER BY event_id");
        Assert.True(run.ExitCode == 0, run.ToString());
        var file = _folder.PathOf($"query-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, run.Out);
        using var connection = new DuckDBConnection(DuckDBConnectionStringBuilder.InMemoryConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, minus FROM read_csv($path, header = true, quote = '\"', escape = '\"', all_varchar = true) ORDER BY event_id";
        command.Parameters.Add(new DuckDBParameter("path", file));
        using var rows = command.ExecuteReader();
        var read = new List<(string, string)>();
        while (rows.Read())
        {
            read.Add((rows.GetString(0), rows.GetString(1)));
        }

        var expected = _attributed.OrderBy(e => e.EventId, StringComparer.Ordinal)
            .Select(e => (ExportService.NeutralizeCsvCell(e.UserId!), (-e.TokensIn).ToString(CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(expected, read);
    }

    /// <summary>
    /// Reads an export with a DuckDB of the test's own (the path bound) and compares every text column exactly — in CSV,
    /// with a leading <c>'</c> on the values a spreadsheet would run as a formula.
    /// </summary>
    private void AssertExported(string reader, string path, bool csv)
    {
        using var connection = new DuckDBConnection(DuckDBConnectionStringBuilder.InMemoryConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT event_id, user_id, route, model, request_id, provider, operation, sdk FROM {reader} ORDER BY event_id";
        command.Parameters.Add(new DuckDBParameter("path", path));
        using var rows = command.ExecuteReader();
        var exported = new List<(string, string?, string?, string, string?, string, string, string)>();
        string? Text(int i) => rows.IsDBNull(i) ? null : rows.GetString(i);
        while (rows.Read())
        {
            exported.Add((rows.GetString(0), Text(1), Text(2), rows.GetString(3), Text(4), rows.GetString(5), rows.GetString(6), rows.GetString(7)));
        }

        string? Cell(string? value) => csv && value is not null ? ExportService.NeutralizeCsvCell(value) : value;
        var expected = _attributed.Concat(_models).OrderBy(e => e.EventId, StringComparer.Ordinal)
            .Select(e => (e.EventId, Cell(e.UserId), Cell(e.Route), Cell(e.Model)!, Cell(e.RequestId), Cell(e.Provider)!, Cell(e.Operation)!, Cell(e.Sdk)!)).ToList();
        Assert.Equal(expected, exported);
    }

    private async Task BudgetsScopedToTheValuesSeeTheirSpendAsync()
    {
        // A user, a route and a metadata budget per hostile value (the metadata one goes through SQL: metadata[$key] = $value).
        var budgets = new JsonArray();
        for (var i = 0; i < Hostile.Length; i++)
        {
            budgets.Add(new JsonObject { ["id"] = $"user-{i}", ["scope"] = "user", ["scope_value"] = Hostile[i], ["period"] = "daily", ["amount_usd"] = 100, ["action"] = "alert" });
            budgets.Add(new JsonObject { ["id"] = $"route-{i}", ["scope"] = "route", ["scope_value"] = Hostile[i], ["period"] = "daily", ["amount_usd"] = 100, ["action"] = "alert" });
            budgets.Add(new JsonObject { ["id"] = $"meta-{i}", ["scope"] = "metadata", ["scope_value"] = $"plain={Hostile[i]}", ["period"] = "daily", ["amount_usd"] = 100, ["action"] = "alert" });
        }

        var file = BudgetStore.Parse(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["budgets"] = budgets }));
        await _app.Services.GetRequiredService<BudgetStore>().SetBudgetsAsync(Project, file, "test", CancellationToken.None);
        var check = await _folder.RunAsync("jobs", "run", "budget-check");
        Assert.True(check.ExitCode == 0, check.ToString());

        using var report = JsonDocument.Parse(await _http.GetStringAsync("v1/report?top=100"));
        var spent = report.RootElement.GetProperty("budgets").EnumerateArray().ToDictionary(b => b.GetProperty("budget_id").GetString()!, b => b);
        var today = _now.UtcDateTime.Date;
        for (var i = 0; i < Hostile.Length; i++)
        {
            // Today's spend (a daily budget in UTC): the one attributed call, when it falls on today.
            var expected = _attributed[i].Timestamp.UtcDateTime.Date == today ? TestEvents.ExpectedCost(_attributed[i])!.Value : 0m;
            foreach (var id in new[] { $"user-{i}", $"route-{i}", $"meta-{i}" })
            {
                Assert.Equal(Hostile[i], spent[id].GetProperty("scope_value").GetString()![(id.StartsWith("meta", StringComparison.Ordinal) ? "plain=".Length : 0)..]);
                Assert.Equal(expected, spent[id].GetProperty("spent_usd").GetDecimal());
            }
        }
    }

    private UsageEvent Event(string id, string model, string user, string route, string? request, Dictionary<string, string>? metadata, int tokensIn) => new()
    {
        EventId = $"hostile-{_now.ToUnixTimeMilliseconds()}-{id}-'\"\\%_ü😀",
        Timestamp = _now.AddSeconds(-30),
        Provider = "openai",
        Model = model,
        Operation = "chat",
        UserId = user,
        Route = route,
        RequestId = request,
        TokensIn = tokensIn,
        TokensOut = 100,
        LatencyMs = 250,
        Status = UsageStatus.Ok,
        HttpStatus = 200,
        Metadata = metadata,
        Sdk = "cli-tests/1.0",
    };

    private static ByteArrayContent Content(UsageEventBatch batch)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(batch, LensAIJsonContext.Default.UsageEventBatch));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
