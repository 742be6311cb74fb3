using System.Collections.Concurrent;
using LensAI.Backend.Billing;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.Docs.Tests;

/// <summary>The curl commands in docs/querying-parquet.md and docs/stripe.md, run as written against loopback servers.</summary>
public sealed class HttpCommandTests
{
    [Fact]
    public async Task Export_curl_downloads_the_projects_parquet_under_the_servers_file_name()
    {
        // Events inside the documented range (2026-11-01 .. 2026-11-22); the age limit is lifted so the dates stay valid.
        await using var backend = await TestBackend.StartAsync(settings: new() { ["LensAI:Backend:Limits:MaxEventAge"] = "3650.00:00:00" });
        var key = await backend.CreateKeyAsync("acme");
        using (var http = backend.Client(key))
        {
            var events = Enumerable.Range(0, 5).Select(i => Batches.Event(ts: new DateTimeOffset(2026, 11, 10, 12, i, 0, TimeSpan.Zero))).ToList();
            using var posted = await http.PostAsync(new Uri("v1/events", UriKind.Relative), Batches.Content(Batches.Json(events)));
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync());
        }

        using var folder = new TempFolder("lensai-docs-export");
        var command = DocCommands.Single("docs/querying-parquet.md", "export")
            .Replace("http://127.0.0.1:5080/", backend.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
        var curl = await ProcessRunner.RunAsync("bash", ["-c", command + " --fail-with-body --silent --show-error"], folder.Path, TimeSpan.FromSeconds(60), new Dictionary<string, string?> { ["LENSAI_API_KEY"] = key });
        Assert.True(curl.ExitCode == 0, curl.Describe());

        var file = Assert.Single(Directory.GetFiles(folder.Path));
        Assert.Equal("lensai-acme-20261101-20261122.parquet", Path.GetFileName(file));
        var bytes = File.ReadAllBytes(file);
        Assert.Equal("PAR1"u8.ToArray(), bytes[..4]);
        Assert.Equal("PAR1"u8.ToArray(), bytes[^4..]);
    }

    [Fact]
    public async Task Stripe_meter_curl_creates_the_meter_the_sync_job_expects()
    {
        var received = new ConcurrentQueue<(string Path, string? Authorization, IFormCollection Form)>();
        await using var stripe = await LoopbackServer.StartAsync(async context =>
        {
            var form = await context.Request.ReadFormAsync();
            received.Enqueue((context.Request.Path, context.Request.Headers.Authorization.ToString(), form));
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"id":"mtr_test_1","object":"billing.meter","status":"active"}""");
        });

        var command = DocCommands.Single("docs/stripe.md", "meter");
        Assert.StartsWith("curl https://api.stripe.com/v1/billing/meters ", command, StringComparison.Ordinal);
        var local = command.Replace("https://api.stripe.com/", stripe.BaseAddress.AbsoluteUri, StringComparison.Ordinal);
        using var folder = new TempFolder("lensai-docs-stripe");
        var curl = await ProcessRunner.RunAsync("bash", ["-c", local + " --fail-with-body --silent --show-error"], folder.Path, TimeSpan.FromSeconds(30));
        Assert.True(curl.ExitCode == 0, curl.Describe());

        var (path, authorization, form) = Assert.Single(received);
        Assert.Equal("/v1/billing/meters", path);
        Assert.StartsWith("Basic ", authorization, StringComparison.Ordinal);
        Assert.Equal("sum", form["default_aggregation[formula]"]);
        Assert.Equal("by_id", form["customer_mapping[type]"]);

        // The payload keys the meter reads are the ones the Stripe sync job writes by default.
        var defaults = new StripeOptions();
        Assert.Equal(defaults.CustomerPayloadKey, form["customer_mapping[event_payload_key]"]);
        Assert.Equal(defaults.ValuePayloadKey, form["value_settings[event_payload_key]"]);
        Assert.Equal("llm_cost", form["event_name"]);
        Assert.Contains("`LensAI:Backend:Stripe:MeterEventName`", File.ReadAllText(RepositoryPaths.Combine("docs", "stripe.md")), StringComparison.Ordinal);
    }
}
