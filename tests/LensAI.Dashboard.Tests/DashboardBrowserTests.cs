using System.Globalization;
using System.Text.Json;
using LensAI.Testing;
using Microsoft.Playwright;

namespace LensAI.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Debian Chromium over the seeded embedded default: what Chart.js holds and draws is what
/// the test seeded through <c>POST /v1/events</c>.
/// </summary>
public sealed class DashboardBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string ChartsScript = """
        () => JSON.stringify(Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')].map(canvas => {
          const chart = Chart.getChart(canvas);
          return [canvas.id, chart ? {
            type: chart.config.type,
            budgetId: canvas.dataset.budgetId || null,
            ariaLabel: canvas.getAttribute('aria-label') || '',
            labels: chart.data.labels,
            datasets: chart.data.datasets.map(d => ({ label: d.label, data: d.data, color: d.backgroundColor })),
          } : null];
        })))
        """;

    /// <summary>
    /// Counts the canvas's pixels of one colour (±2 per channel) after two frames, reading a copy made on a canvas meant
    /// for readback (reading the chart's own canvas would make Chromium warn about slow readbacks).
    /// </summary>
    private const string PixelsScript = """
        async ([id, hex]) => {
          await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
          const source = document.getElementById(id);
          const copy = document.createElement('canvas');
          copy.width = source.width;
          copy.height = source.height;
          const context = copy.getContext('2d', { willReadFrequently: true });
          context.drawImage(source, 0, 0);
          const { data } = context.getImageData(0, 0, copy.width, copy.height);
          const [r, g, b] = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
          let match = 0, painted = 0;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 0) painted++;
            if (data[i + 3] === 255 && Math.abs(data[i] - r) <= 2 && Math.abs(data[i + 1] - g) <= 2 && Math.abs(data[i + 2] - b) <= 2) match++;
          }
          return { match, painted, total: data.length / 4 };
        }
        """;

    private static readonly CultureInfo s_us = CultureInfo.GetCultureInfo("en-US");

    [Fact]
    public async Task The_dashboard_draws_the_seeded_data_after_the_key_is_entered()
    {
        var backend = fixture.Backend;
        var page = await fixture.Browser.NewPageAsync();
        var problems = new List<string>();
        var urls = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.RequestFailed += (_, request) =>
        {
            if (!IsNotModified(request))
            {
                problems.Add($"request failed: {request.Url} {request.Failure}");
            }
        };
        page.Request += (_, request) => urls.Add(request.Url);

        try
        {
            // /dashboard redirects to /dashboard/, which asks for the key.
            await page.GotoAsync(new Uri(backend.BaseAddress, "dashboard").ToString());
            Assert.EndsWith("/dashboard/", page.Url, StringComparison.Ordinal);
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'signed-out'");
            Assert.True(await page.GetByRole(AriaRole.Heading, new() { Name = "Open your project's dashboard" }).IsVisibleAsync());
            await page.GetByLabel("Project API key").FillAsync(backend.Key);
            var reportRequest = await page.RunAndWaitForRequestAsync(
                () => page.GetByRole(AriaRole.Button, new() { Name = "Open dashboard" }).ClickAsync(),
                request => request.Url.Contains("/v1/report?", StringComparison.Ordinal));
            Assert.Equal("Bearer " + backend.Key, await reportRequest.HeaderValueAsync("authorization")); // the key travels as a header
            await WaitReadyAsync(page, "hour");
            Assert.Equal(backend.Key, await page.EvaluateAsync<string>("() => sessionStorage.getItem('lensai.dashboard.key')"));

            var shown = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.LensAIDashboard.report)")).RootElement;
            Assert.Equal(DashboardBackend.Project, shown.GetProperty("project").GetString());
            Assert.Equal(backend.EventCount, shown.GetProperty("totals").GetProperty("requests").GetInt64());
            var api = await backend.ReportAsync(TimeSpan.FromHours(24)); // what the API says a moment later: same data
            Assert.Equal(api.GetProperty("totals").GetProperty("cost_usd").GetDecimal(), shown.GetProperty("totals").GetProperty("cost_usd").GetDecimal());

            var seeded = backend.Seeded;
            var charts = await ChartsAsync(page);
            AssertCostChart(charts.GetProperty("cost-chart"), seeded, hourly: true);
            AssertTopChart(charts.GetProperty("users-chart"), seeded.GroupBy(c => c.User ?? "(none)"));
            AssertTopChart(charts.GetProperty("routes-chart"), seeded.GroupBy(c => c.Route));
            AssertLatencyChart(charts.GetProperty("latency-chart"), shown, seeded);
            var blockedCanvas = await AssertBudgetGaugesAsync(page, charts, shown, seeded);
            foreach (var chart in charts.EnumerateObject())
            {
                Assert.False(string.IsNullOrWhiteSpace(chart.Value.GetProperty("ariaLabel").GetString()), $"{chart.Name} has an accessible description");
            }

            // The canvases are not blank: each holds many pixels of its data's colour.
            await AssertPixelsAsync(page, "cost-chart", charts.GetProperty("cost-chart").GetProperty("datasets")[0].GetProperty("color").GetString()!, 500);
            await AssertPixelsAsync(page, "users-chart", "#0072B2", 500);
            await AssertPixelsAsync(page, "routes-chart", "#009E73", 500);
            await AssertPixelsAsync(page, "latency-chart", "#0072B2", 40);
            await AssertPixelsAsync(page, "latency-chart", "#D55E00", 40);
            await AssertPixelsAsync(page, blockedCanvas, "#C62828", 100); // the blocked budget's bar is red

            // Totals and the unpriced banner as a reader sees them.
            Assert.Equal(backend.EventCount.ToString("N0", s_us), await page.TextContentAsync("#total-requests"));
            var banner = page.Locator("#unpriced");
            Assert.True(await banner.IsVisibleAsync());
            Assert.Contains("not priced", await banner.TextContentAsync(), StringComparison.Ordinal);
            Assert.Equal([DashboardBackend.UnpricedModel], await page.Locator("#unpriced-models code").AllTextContentsAsync());
            var unpricedCalls = seeded.Count(c => c.CostUsd is null);
            Assert.Equal(seeded.Where(c => c.CostUsd is null).Select(c => c.Model).Distinct(), [DashboardBackend.UnpricedModel]);
            Assert.EndsWith($" — {unpricedCalls} unpriced calls", await page.Locator("#unpriced-models li").TextContentAsync(), StringComparison.Ordinal);

            var screenshot = Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard.png");
            await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 20_000, $"{screenshot} holds the drawn page");

            // 7 days: daily buckets, same totals; the range survives a reload, and so does the key (session storage).
            await page.GetByRole(AriaRole.Button, new() { Name = "7 d" }).ClickAsync();
            await WaitReadyAsync(page, "day");
            Assert.Equal("true", await page.GetByRole(AriaRole.Button, new() { Name = "7 d" }).GetAttributeAsync("aria-pressed"));
            AssertCostChart((await ChartsAsync(page)).GetProperty("cost-chart"), seeded, hourly: false);
            await page.ReloadAsync();
            await WaitReadyAsync(page, "day");
            Assert.EndsWith("#range=7d", page.Url, StringComparison.Ordinal);

            // Every request stayed on this server (no CDN), and none carried the key in its URL.
            Assert.NotEmpty(urls);
            Assert.All(urls, url => Assert.StartsWith(backend.BaseAddress.ToString(), url, StringComparison.Ordinal));
            Assert.All(urls, url => Assert.DoesNotContain(backend.Key[..12], url, StringComparison.Ordinal));
            Assert.Contains(urls, url => url.Contains("/dashboard/vendor/chart.umd.js?v=", StringComparison.Ordinal));
            Assert.True(problems.Count == 0, string.Join("\n", problems)); // no script errors, no CSP violations, no failed requests
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard-failure.png"), FullPage = true });
            throw;
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task A_wrong_key_shows_the_401_message_and_forget_key_signs_out()
    {
        var backend = fixture.Backend;
        var page = await fixture.Browser.NewPageAsync();
        try
        {
            await page.GotoAsync(new Uri(backend.BaseAddress, "dashboard/").ToString());
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'signed-out'");
            var wrong = "lsk_" + backend.Key[4..12] + "_" + new string('x', 32); // a known prefix with the wrong secret
            await page.GetByLabel("Project API key").FillAsync(wrong);
            await page.GetByRole(AriaRole.Button, new() { Name = "Open dashboard" }).ClickAsync();
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'unauthorized'");

            var error = page.Locator("#key-error");
            Assert.True(await error.IsVisibleAsync());
            Assert.Equal("alert", await error.GetAttributeAsync("role"));
            Assert.Contains("(401)", await error.TextContentAsync(), StringComparison.Ordinal);
            Assert.Contains("The API key is not valid, has expired or has been revoked.", await error.TextContentAsync(), StringComparison.Ordinal);
            Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('lensai.dashboard.key')")); // a refused key is not kept
            Assert.True(await page.Locator("#dashboard").IsHiddenAsync());
            Assert.Equal(0, await page.EvaluateAsync<int>("() => [...document.querySelectorAll('canvas[data-chart]')].filter(c => Chart.getChart(c)).length"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard-wrong-key.png") });

            // The right key opens it; "Forget key" drops it and returns to the form.
            await page.GetByLabel("Project API key").FillAsync(backend.Key);
            await page.GetByRole(AriaRole.Button, new() { Name = "Open dashboard" }).ClickAsync();
            await WaitReadyAsync(page, "hour");
            Assert.True(await page.Locator("#key-error").IsHiddenAsync());
            await page.GetByRole(AriaRole.Button, new() { Name = "Forget key" }).ClickAsync();
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'signed-out'");
            Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('lensai.dashboard.key')"));
            Assert.Equal(0, await page.EvaluateAsync<int>("() => [...document.querySelectorAll('canvas[data-chart]')].filter(c => Chart.getChart(c)).length"));
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact]
    public async Task The_audit_panel_lists_the_changes_for_an_admin_key_and_a_read_key_opens_the_charts_without_it()
    {
        var backend = fixture.Backend;
        var admin = await backend.CreateKeyAsync("owner", "read,admin");
        using (var http = backend.Client(admin))
        {
            // A reset changes nothing the other tests draw (no raise or override is in force) but is audited.
            using var reset = await http.PostAsync(new Uri("v1/budgets/" + DashboardBackend.BlockedBudget + "/reset", UriKind.Relative),
                new StringContent("""{"reason":"<b>browser</b> test"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.True(reset.IsSuccessStatusCode, await reset.Content.ReadAsStringAsync());
        }

        var page = await fixture.Browser.NewPageAsync();
        try
        {
            await SignInAsync(page, backend.BaseAddress, admin);
            await WaitReadyAsync(page, "hour");
            var rows = page.Locator("#audit-table tbody tr");
            Assert.True(await rows.CountAsync() >= 2);
            var first = await rows.First.InnerTextAsync(); // newest first: the reset
            Assert.Contains("budget.reset", first, StringComparison.Ordinal);
            Assert.Contains("(owner)", first, StringComparison.Ordinal);
            Assert.Contains("<b>browser</b> test", first, StringComparison.Ordinal); // text, never HTML
            Assert.Contains("budget:" + DashboardBackend.BlockedBudget, await page.Locator("#audit-table").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("budget.created", await page.Locator("#audit-table").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("alert.sent", await page.Locator("#audit-table").InnerTextAsync(), StringComparison.Ordinal); // the seeded budget check alerted
            Assert.Equal(0, await page.Locator("#audit-table b").CountAsync());
            await page.Locator("#audit-panel").ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard-audit.png") });

            await page.GetByRole(AriaRole.Button, new() { Name = "Forget key" }).ClickAsync();
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'signed-out'");
            await page.GetByLabel("Project API key").FillAsync(await backend.CreateKeyAsync("viewer", "read"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Open dashboard" }).ClickAsync();
            await WaitReadyAsync(page, "hour");
            Assert.Contains("needs an admin key", await page.Locator("#audit-note").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await page.Locator("#audit-table tr").CountAsync());
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task A_budget_created_in_the_page_blocks_the_sdk_and_edits_deletes_and_refreshes_are_conditional()
    {
        await using var backend = await DashboardBackend.StartAsync(); // its own project: the seeded one is already blocked
        var admin = await backend.CreateKeyAsync("owner", "read,admin");
        var llm = StubHandler.Returning("""{"id":"chatcmpl-x","model":"gpt-4o-mini-2024-07-18","usage":{"prompt_tokens":1000000,"completion_tokens":0}}"""u8.ToArray(), "application/json");
        await using var lens = LensPolling.Create(new LensAIOptions { Endpoint = backend.BaseAddress, ApiKey = backend.Key, EnableSpool = false });
        using var sdk = new HttpClient(lens.CreateHandler(llm));
        async Task<System.Net.HttpStatusCode> CallAsync()
        {
            using var response = await sdk.PostAsync("https://api.openai.com/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini"}""", System.Text.Encoding.UTF8, "application/json"));
            return response.StatusCode;
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, await CallAsync()); // $0.15 spent
        Assert.True(await lens.FlushAsync(TimeSpan.FromSeconds(30)));

        var page = await fixture.Browser.NewPageAsync();
        var revalidated = 0;
        var failed = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.RequestFailed += (_, request) =>
        {
            if (!IsNotModified(request))
            {
                failed.Enqueue(request.Url + " " + request.Failure);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status == 304 && response.Url.Contains("/v1/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref revalidated);
            }
        };
        try
        {
            await SignInAsync(page, backend.BaseAddress, admin);
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'ready' && !document.getElementById('budget-form').hidden");

            // Create: a $0.05 daily cap on the whole project that blocks.
            await page.FillAsync("#b-id", "page-cap");
            await page.SelectOptionAsync("#b-scope", "project");
            await page.SelectOptionAsync("#b-period", "daily");
            await page.FillAsync("#b-amount", "0.05");
            await page.SelectOptionAsync("#b-action", "block");
            await page.CheckAsync("input[name=b-channel][value=email]");
            await page.FillAsync("#b-email-to", "owner@acme.test");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save budget" }).ClickAsync();
            var row = page.Locator("#budget-table tr[data-budget-id=page-cap]");
            await Assertions.Expect(row).ToContainTextAsync("Blocked: $0.15 of $0.05");
            Assert.Contains("email → owner@acme.test", await row.InnerTextAsync(), StringComparison.Ordinal);

            // The SDK's next status poll picks it up: the call is refused before it reaches the provider.
            await lens.PollBudgetsNowAsync();
            var refused = await Assert.ThrowsAsync<LensAIBudgetExceededException>(CallAsync);
            Assert.Equal("page-cap", refused.BudgetId);

            // Edit: raise it to $10; the block lifts.
            await row.GetByRole(AriaRole.Button, new() { Name = "Edit budget page-cap" }).ClickAsync();
            Assert.Equal("0.05", await page.InputValueAsync("#b-amount"));
            await page.FillAsync("#b-amount", "10");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save budget" }).ClickAsync();
            await Assertions.Expect(row).ToContainTextAsync("$0.15 of $10.00");
            await lens.PollBudgetsNowAsync();
            Assert.Equal(System.Net.HttpStatusCode.OK, await CallAsync());

            // Unchanged data is confirmed with a 304: refreshes within a minute ask for the same report and budgets.
            var before = await page.EvaluateAsync<int>("() => window.LensAIDashboard.notModified");
            for (var i = 0; i < 3 && await page.EvaluateAsync<int>("() => window.LensAIDashboard.notModified") == before; i++)
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
                await page.WaitForFunctionAsync("() => document.body.dataset.state === 'ready'");
            }

            Assert.True(await page.EvaluateAsync<int>("() => window.LensAIDashboard.notModified") > before);
            Assert.True(Volatile.Read(ref revalidated) > 0, "no 304 on the wire; failed: " + string.Join(", ", failed));
            Assert.True(failed.IsEmpty, string.Join(", ", failed));

            // Delete (a second click confirms); the audit log has all three changes.
            var delete = row.GetByRole(AriaRole.Button, new() { Name = "Delete budget page-cap" });
            await delete.ClickAsync();
            await Assertions.Expect(delete).ToHaveTextAsync("Confirm delete");
            await delete.ClickAsync();
            await Assertions.Expect(row).ToHaveCountAsync(0);
            var audit = await page.Locator("#audit-table").InnerTextAsync();
            Assert.Contains("budget.created", audit, StringComparison.Ordinal);
            Assert.Contains("budget.changed", audit, StringComparison.Ordinal);
            Assert.Contains("budget.deleted", audit, StringComparison.Ordinal);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>Opens the dashboard signed out and enters <paramref name="key"/>.</summary>
    private static async Task SignInAsync(IPage page, Uri baseAddress, string key)
    {
        await page.GotoAsync(new Uri(baseAddress, "dashboard/").ToString());
        await page.WaitForFunctionAsync("() => document.body.dataset.state === 'signed-out'");
        await page.GetByLabel("Project API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Open dashboard" }).ClickAsync();
    }

    /// <summary>
    /// A conditional request (the page's own If-None-Match) whose answer was a 304: Chromium reports such a no-store fetch
    /// as net::ERR_ABORTED to the test although the script receives the 304 (the budget test counts them on the wire).
    /// </summary>
    private static bool IsNotModified(IRequest request) =>
        request.Headers.ContainsKey("if-none-match") && request.Failure == "net::ERR_ABORTED";

    /// <summary>Every chart on the page as Chart.js holds it (type, labels, datasets), by canvas id.</summary>
    private static async Task<JsonElement> ChartsAsync(IPage page)
        => JsonDocument.Parse(await page.EvaluateAsync<string>(ChartsScript)).RootElement;

    /// <summary>Polls (up to the context's 20 s timeout) until the report for <paramref name="grain"/> is loaded and every chart has laid out its plot area.</summary>
    private static async Task WaitReadyAsync(IPage page, string grain)
        => await page.WaitForFunctionAsync("""
            grain => document.body.dataset.state === 'ready' && window.LensAIDashboard.report.grain === grain
              && [...document.querySelectorAll('canvas[data-chart]')].every(c => { const chart = Chart.getChart(c); return chart && chart.chartArea && chart.chartArea.width > 0; })
            """, grain);

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    /// <summary>The stacked bars: one dataset per priced model summing to its seeded cost; the unpriced model has none.</summary>
    private static void AssertCostChart(JsonElement chart, IReadOnlyList<SeededCall> seeded, bool hourly)
    {
        Assert.Equal("bar", chart.GetProperty("type").GetString());
        var datasets = chart.GetProperty("datasets").EnumerateArray().ToList();
        var drawn = datasets.ToDictionary(d => d.GetProperty("label").GetString()!, d => d.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToList());
        var expected = seeded.Where(c => c.CostUsd is not null).GroupBy(c => c.Model).ToDictionary(g => g.Key, g => g.Sum(c => c.CostUsd!.Value));
        Assert.Equal(expected.Keys.Order(), drawn.Keys.Order());
        foreach (var (model, cost) in expected)
        {
            Assert.Equal((double)cost, drawn[model].Sum(), 6);
        }

        Assert.DoesNotContain(DashboardBackend.UnpricedModel, drawn.Keys);
        var labels = chart.GetProperty("labels").GetArrayLength();
        Assert.All(drawn.Values, data => Assert.Equal(labels, data.Count));
        var bucketTotals = Enumerable.Range(0, labels).Select(i => drawn.Values.Sum(d => d[i])).ToList();
        Assert.Equal((double)expected.Values.Sum(), bucketTotals.Sum(), 6);
        if (hourly)
        {
            // Hourly: a bar in exactly the hours with priced calls.
            Assert.Equal(seeded.Where(c => c.CostUsd is not null).Select(c => HourOf(c.Ts)).Distinct().Count(), bucketTotals.Count(t => t > 0));
        }
    }

    /// <summary>A top-N bar chart: the seeded groups by cost, highest first, with their seeded costs.</summary>
    private static void AssertTopChart(JsonElement chart, IEnumerable<IGrouping<string, SeededCall>> groups)
    {
        var expected = groups.Select(g => (Key: g.Key, Cost: g.Sum(c => c.CostUsd ?? 0m), Requests: g.Count()))
            .OrderByDescending(g => g.Cost).ThenByDescending(g => g.Requests).Take(10).ToList();
        Assert.True(expected.Count >= 3, "several rows");
        Assert.Equal(expected.Select(e => e.Key), chart.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        var data = chart.GetProperty("datasets")[0].GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(expected.Count, data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            Assert.Equal((double)expected[i].Cost, data[i], 6);
        }
    }

    /// <summary>p50/p95 lines: the report's percentiles per hour, each within the seeded latencies of that hour.</summary>
    private static void AssertLatencyChart(JsonElement chart, JsonElement report, IReadOnlyList<SeededCall> seeded)
    {
        Assert.Equal("line", chart.GetProperty("type").GetString());
        var datasets = chart.GetProperty("datasets").EnumerateArray().ToDictionary(d => d.GetProperty("label").GetString()!);
        var points = report.GetProperty("latency_over_time").EnumerateArray().ToList();
        var byHour = seeded.GroupBy(c => HourOf(c.Ts)).ToDictionary(g => g.Key, g => (Min: g.Min(c => c.LatencyMs), Max: g.Max(c => c.LatencyMs), Count: g.Count()));
        Assert.Equal(byHour.Keys.Order(), points.Select(p => p.GetProperty("bucket").GetDateTimeOffset()).Order());
        foreach (var point in points)
        {
            var hour = byHour[point.GetProperty("bucket").GetDateTimeOffset()];
            Assert.Equal(hour.Count, point.GetProperty("requests").GetInt64());
            Assert.InRange(point.GetProperty("p50").GetDouble(), hour.Min, hour.Max);
            Assert.InRange(point.GetProperty("p95").GetDouble(), point.GetProperty("p50").GetDouble(), hour.Max);
        }

        foreach (var field in new[] { "p50", "p95" })
        {
            var drawn = datasets[field].GetProperty("data").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
            Assert.Equal(points.OrderBy(p => p.GetProperty("bucket").GetDateTimeOffset()).Select(p => p.GetProperty(field).GetDouble()), drawn);
        }

        Assert.Contains("time to first token p50 (streams)", datasets.Keys); // some seeded calls stream
    }

    /// <summary>
    /// Each budget's gauge draws the spend the budget check computed (= the seeded spend in its scope since the period
    /// start) and the forecast the report gave; its text shows the percentage. Returns the blocked budget's canvas id.
    /// </summary>
    private static async Task<string> AssertBudgetGaugesAsync(IPage page, JsonElement charts, JsonElement report, IReadOnlyList<SeededCall> seeded)
    {
        var gauges = charts.EnumerateObject().Where(c => c.Value.GetProperty("budgetId").ValueKind == JsonValueKind.String)
            .ToDictionary(c => c.Value.GetProperty("budgetId").GetString()!, c => (Id: c.Name, Chart: c.Value));
        var budgets = report.GetProperty("budgets").EnumerateArray().ToList();
        Assert.Equal(["alice-monthly", DashboardBackend.BlockedBudget, "summaries"], budgets.Select(b => b.GetProperty("budget_id").GetString()!).Order());
        Assert.Equal(budgets.Select(b => b.GetProperty("budget_id").GetString()!).Order(), gauges.Keys.Order());
        foreach (var budget in budgets)
        {
            var id = budget.GetProperty("budget_id").GetString()!;
            var start = budget.GetProperty("period_end").GetDateTimeOffset() switch
            {
                var end when budget.GetProperty("period").GetString() == "daily" => end.AddDays(-1),
                var end when budget.GetProperty("period").GetString() == "weekly" => end.AddDays(-7),
                var end => end.AddMonths(-1),
            };
            Func<SeededCall, bool> inScope = budget.GetProperty("scope").GetString() switch
            {
                "project" => _ => true,
                "user" => c => c.User == budget.GetProperty("scope_value").GetString(),
                "route" => c => c.Route == budget.GetProperty("scope_value").GetString(),
                var scope => throw new InvalidOperationException("unexpected scope " + scope),
            };
            var seededSpend = seeded.Where(c => c.Ts >= start && inScope(c)).Sum(c => c.CostUsd ?? 0m);
            var spent = budget.GetProperty("spent_usd").GetDecimal();
            var limit = budget.GetProperty("limit_usd").GetDecimal();
            var forecast = budget.GetProperty("forecast_usd").GetDecimal();
            Assert.Equal((double)seededSpend, (double)spent, 6);
            Assert.True(forecast >= spent, $"{id}: forecast {forecast} below spent {spent}");

            var datasets = gauges[id].Chart.GetProperty("datasets").EnumerateArray().ToDictionary(d => d.GetProperty("label").GetString()!);
            Assert.Equal((double)spent, datasets["Spent"].GetProperty("data")[0].GetDouble(), 9);
            Assert.Equal((double)forecast, datasets["Forecast"].GetProperty("data")[0].GetDouble(), 9);

            var text = await page.Locator($"#budgets li[data-budget-id='{id}'] .gauge-text").TextContentAsync();
            var percent = Math.Round((double)spent / (double)limit * 100, MidpointRounding.AwayFromZero).ToString("N0", s_us) + "%";
            Assert.StartsWith($"Spent {Usd(spent)} of {Usd(limit)} ({percent})", text, StringComparison.Ordinal);
            Assert.Contains($"forecast {Usd(forecast)} by period end", text, StringComparison.Ordinal);
        }

        var blocked = budgets.Single(b => b.GetProperty("budget_id").GetString() == DashboardBackend.BlockedBudget);
        Assert.True(blocked.GetProperty("blocked").GetBoolean(), "the seeded spend exceeds the daily cap and the budget check blocked it");
        Assert.All(budgets.Where(b => b.GetProperty("budget_id").GetString() != DashboardBackend.BlockedBudget), b => Assert.False(b.GetProperty("blocked").GetBoolean()));
        var item = page.Locator($"#budgets li[data-budget-id='{DashboardBackend.BlockedBudget}']");
        Assert.Contains("blocked", await item.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
        Assert.Equal("Blocked", await item.Locator(".badge").TextContentAsync());
        Assert.Contains("Calls in this scope are refused", await item.TextContentAsync(), StringComparison.Ordinal);
        return gauges[DashboardBackend.BlockedBudget].Id;
    }

    /// <summary>Dollars as the page writes them (en-US, from the same binary double): cents from $0.10 up, three significant digits below.</summary>
    private static string Usd(decimal value)
    {
        var amount = (double)value;
        return amount == 0 || Math.Abs(amount) >= 0.1 ? amount.ToString("C2", s_us) : "$" + amount.ToString("G3", s_us);
    }

    private static async Task AssertPixelsAsync(IPage page, string canvasId, string color, int atLeast)
    {
        var pixels = await page.EvaluateAsync<JsonElement>(PixelsScript, new object[] { canvasId, color });
        var match = pixels.GetProperty("match").GetInt32();
        Assert.True(match >= atLeast, $"#{canvasId} has {match} pixels of {color} (of {pixels.GetProperty("painted").GetInt32()} painted, {pixels.GetProperty("total").GetInt32()} in all); expected at least {atLeast}.");
    }
}
