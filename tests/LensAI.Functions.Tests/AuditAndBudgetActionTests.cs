using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LensAI.Backend.Budgets;
using LensAI.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LensAI.Functions.Tests;

/// <summary>Override, raise and reset without Slack (admin endpoints), and the audit log they write.</summary>
public sealed class AuditAndBudgetActionTests
{
    private const string BudgetsJson = """{"time_zone":"UTC","budgets":[{"id":"cap","scope":"project","period":"monthly","amount_usd":10,"action":"block","forecast":false}]}""";

    [Fact]
    public async Task Override_raise_and_reset_need_a_reason_change_the_kill_switch_and_are_audited_with_before_and_after()
    {
        await using var backend = await TestBackend.StartAsync();
        using var admin = backend.Client(await backend.CreateKeyAsync("acme", "owner", "admin,ingest"));
        using var reader = backend.Client(await backend.CreateKeyAsync("acme", "viewer", "read"));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(new Uri("v1/budgets", UriKind.Relative), Json(BudgetsJson))).StatusCode);

        using var noReason = await admin.PostAsync(new Uri("v1/budgets/cap/raise", UriKind.Relative), Json("""{"percent":10}"""));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync(new Uri("v1/budgets/nope/reset", UriKind.Relative), Json("""{"reason":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(new Uri("v1/budgets/cap/raise", UriKind.Relative), Json("""{"reason":"x","percent":10,"limit_usd":20}"""))).StatusCode);

        var raised = await PostAsync(admin, "v1/budgets/cap/raise", """{"reason":"launch week","percent":10}""");
        Assert.Equal("budget.raise", raised.GetProperty("action").GetString());
        Assert.Equal("10.00", raised.GetProperty("before").GetProperty("limit_usd").GetString());
        Assert.Equal("11.00", raised.GetProperty("after").GetProperty("limit_usd").GetString());
        Assert.Equal("launch week", raised.GetProperty("reason").GetString());
        Assert.StartsWith("key:", raised.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Contains("(owner)", raised.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Equal(11m, (await StatusAsync(admin)).GetProperty("budgets")[0].GetProperty("limit_usd").GetDecimal());

        var overridden = await PostAsync(admin, "v1/budgets/cap/override", """{"reason":"incident 42"}""");
        Assert.Null(JsonNull(overridden.GetProperty("before"), "override_until"));
        Assert.NotNull(JsonNull(overridden.GetProperty("after"), "override_until"));

        var reset = await PostAsync(admin, "v1/budgets/cap/reset", """{"reason":"back to plan"}""");
        Assert.Equal("11.00", reset.GetProperty("before").GetProperty("limit_usd").GetString());
        Assert.Equal("10.00", reset.GetProperty("after").GetProperty("limit_usd").GetString());
        Assert.Null(JsonNull(reset.GetProperty("after"), "override_until"));
        Assert.Equal(10m, (await StatusAsync(admin)).GetProperty("budgets")[0].GetProperty("limit_usd").GetDecimal());

        // A read key sees neither the actions nor the log.
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync(new Uri("v1/budgets/cap/reset", UriKind.Relative), Json("""{"reason":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.GetAsync(new Uri("v1/audit", UriKind.Relative))).StatusCode);

        // The log, filtered by family and paged.
        var budgetKinds = await AuditAsync(admin, "v1/audit?kind=budget");
        Assert.Equal(["budget.created", "budget.raise", "budget.override", "budget.reset"], Kinds(budgetKinds));
        Assert.Null(JsonNull(budgetKinds, "next_cursor"));
        var created = budgetKinds.GetProperty("entries")[0];
        Assert.Equal("budget:cap", created.GetProperty("target").GetString());
        Assert.Equal(10m, created.GetProperty("after").GetProperty("amount_usd").GetDecimal());

        var first = await AuditAsync(admin, "v1/audit?kind=budget&limit=3");
        Assert.Equal(["budget.created", "budget.raise", "budget.override"], Kinds(first));
        var second = await AuditAsync(admin, "v1/audit?kind=budget&limit=3&cursor=" + first.GetProperty("next_cursor").GetString());
        Assert.Equal(["budget.reset"], Kinds(second));

        Assert.Equal(["key.created", "key.created"], Kinds(await AuditAsync(admin, "v1/audit?kind=key")));
        Assert.Equal(["budget.raise", "budget.reset"], Kinds(await AuditAsync(admin, "v1/audit?kind=budget.raise,budget.reset")));
        Assert.Empty(Kinds(await AuditAsync(admin, "v1/audit?from=2020-01-01&to=2020-02-01")));
        foreach (var bad in new[] { "v1/audit?limit=0", "v1/audit?limit=501", "v1/audit?kind=DROP%20TABLE", "v1/audit?cursor=x", "v1/audit?from=2020-01-01&to=2022-01-01", "v1/audit?from=yesterday" })
        {
            Assert.True(HttpStatusCode.BadRequest == (await admin.GetAsync(new Uri(bad, UriKind.Relative))).StatusCode, bad);
        }

        // Changing and deleting a budget record the old and new definitions.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(new Uri("v1/budgets", UriKind.Relative), Json(BudgetsJson.Replace("\"amount_usd\":10", "\"amount_usd\":25", StringComparison.Ordinal)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync(new Uri("v1/budgets", UriKind.Relative), Json("""{"time_zone":"UTC","budgets":[]}"""))).StatusCode);
        var changes = (await AuditAsync(admin, "v1/audit?kind=budget.changed,budget.deleted")).GetProperty("entries");
        Assert.Equal(10m, changes[0].GetProperty("before").GetProperty("amount_usd").GetDecimal());
        Assert.Equal(25m, changes[0].GetProperty("after").GetProperty("amount_usd").GetDecimal());
        Assert.Equal("budget.deleted", changes[1].GetProperty("action").GetString());
        Assert.False(changes[1].TryGetProperty("after", out _));
    }

    [Fact]
    public async Task Two_backends_appending_to_one_store_at_once_lose_no_entry_and_a_restarted_one_reads_them_all()
    {
        var shared = Path.Combine(Path.GetTempPath(), "lensai-audit-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new Dictionary<string, string?> { ["LensAI:Backend:Storage:LocalPath"] = shared };
            const int PerBackend = 40;
            await using (var one = await TestBackend.StartAsync(settings: settings))
            await using (var two = await TestBackend.StartAsync(settings: settings))
            {
                var logs = new[] { one.Services.GetRequiredService<AuditLog>(), two.Services.GetRequiredService<AuditLog>() };
                Assert.NotSame(logs[0], logs[1]);
                await Task.WhenAll(Enumerable.Range(0, PerBackend).SelectMany(i => logs.Select((log, b) =>
                    Task.Run(() => log.AppendAsync("acme", $"backend-{b}", "budget.raise", "budget:cap", null, null, $"entry {b}-{i}", CancellationToken.None)))));
            }

            await using var restarted = await TestBackend.StartAsync(settings: settings);
            var entries = await restarted.Services.GetRequiredService<AuditLog>().AllAsync("acme", CancellationToken.None);
            Assert.Equal(2 * PerBackend, entries.Count);
            Assert.Equal(2 * PerBackend, entries.Select(e => e.Reason).Distinct().Count());
            Assert.Equal(2 * PerBackend, entries.Select(e => e.Id).Distinct().Count());
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public void Kinds_filter_matches_a_whole_kind_or_a_family_only()
    {
        Assert.True(AuditLog.Matches("budget.raise", []));
        Assert.True(AuditLog.Matches("budget.raise", ["budget"]));
        Assert.True(AuditLog.Matches("budget.raise", ["key", "budget.raise"]));
        Assert.False(AuditLog.Matches("budget.raise", ["budget.r"]));
        Assert.False(AuditLog.Matches("budgets.set", ["budget"]));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 12, 0, 0, 123, TimeSpan.Zero), AuditLog.TimeOf(EventIds.NewUlid(new DateTimeOffset(2026, 11, 21, 12, 0, 0, 123, TimeSpan.Zero))));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string? JsonNull(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : null;

    private static List<string> Kinds(JsonElement page) => [.. page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()!)];

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> AuditAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http)
        => (await http.GetFromJsonAsync<JsonElement>(new Uri("v1/budgets/status", UriKind.Relative)));
}
