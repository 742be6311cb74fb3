using System.Net;
using System.Text;
using LensAI.Backend.Http;
using LensAI.Backend.Storage;
using LensAI.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LensAI.Functions.Tests;

/// <summary>The one composition root (functions/LensAI.Hosting): validated options in both hosts, the key checked once per request.</summary>
public sealed class HostingCompositionTests
{
    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "LensAI:Backend:RateLimitPerSecond", "0", "LensAI:Backend:RateLimitPerSecond must be a positive number" },
        { "LensAI:Backend:Storage:Kind", "S3", "LensAI:Backend:Storage:S3:Bucket" },
        { "LensAI:Backend:Writer:StorageTimeout", "-00:00:01", "LensAI:Backend:Writer:StorageTimeout must be a positive duration" },
        { "LensAI:Backend:Alerts:Slack:WebhookUrl", "http://hooks.example/x", "LensAI:Backend:Alerts:Slack:WebhookUrl" },
        { "LensAI:Backend:Storage:LocalPath", "/tmp/lensai-data[1]", "LensAI:Backend:Storage:LocalPath must not contain '*', '?' or '['" },
        { "LensAI:Backend:WorkDirectory", "/tmp/lensai-work-*", "LensAI:Backend:WorkDirectory must not contain '*', '?' or '['" },
        { "LensAI:Backend:Stripe:MeterEventName", "lensai_cost", "" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_fails_the_aspnet_app_at_start_naming_it(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (message.Length == 0)
        {
            // Half a Stripe configuration (no API key) is not a Stripe configuration: the sync stays off, nothing fails.
            await (await TestBackend.StartAsync(settings: settings)).DisposeAsync();
            return;
        }

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestBackend.StartAsync(settings: settings));
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_fails_the_functions_worker_at_start_naming_it(string key, string value, string message)
    {
        await using var worker = WorkerHost.Create(new() { [key] = value });
        if (message.Length == 0)
        {
            Assert.NotNull(worker.Services.GetRequiredService<IObjectStore>());
            return;
        }

        // The worker's host validates before it starts anything (so no Functions host is needed to see the failure).
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => worker.Host.StartAsync());
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_backend_uses_a_token_credential_registered_before_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LensAI:Backend:Storage:Kind"] = "AzureBlob",
            ["LensAI:Backend:Storage:AzureBlob:AccountUrl"] = "https://acme.blob.core.windows.net",
            ["LensAI:Backend:Storage:AzureBlob:Container"] = "lensai",
        }).Build();

        await using (var without = new ServiceCollection().AddLensAIBackend(configuration).BuildServiceProvider())
        {
            var failure = Assert.Throws<OptionsValidationException>(() => without.GetRequiredService<IObjectStore>());
            Assert.Contains("LensAI:Backend:Storage:AzureBlob:AccountUrl needs a way to authenticate", failure.Message, StringComparison.Ordinal);
        }

        await using var provider = new ServiceCollection()
            .AddSingleton<Azure.Core.TokenCredential>(new Azure.Identity.ClientSecretCredential("tenant", "client", "secret"))
            .AddLensAIBackend(configuration)
            .BuildServiceProvider();
        Assert.IsType<AzureBlobStore>(provider.GetRequiredService<IObjectStore>());
    }

    [Fact]
    public async Task The_aspnet_app_checks_the_key_once_per_request_before_any_handler()
    {
        await using var backend = await TestBackend.StartAsync();
        var key = await backend.CreateKeyAsync("acme");
        var guard = backend.Services.GetRequiredService<ApiKeyGuard>();
        using var http = backend.Client(key);
        using var anonymous = backend.Client(null);
        var before = guard.Checks;

        (HttpClient Client, HttpMethod Method, string Path, HttpStatusCode Expected)[] requests =
        [
            (http, HttpMethod.Post, "v1/events", HttpStatusCode.OK),
            (http, HttpMethod.Get, "v1/budgets/status", HttpStatusCode.OK),
            (http, HttpMethod.Get, "v1/budgets", HttpStatusCode.OK),
            (http, HttpMethod.Put, "v1/budgets", HttpStatusCode.OK),
            (http, HttpMethod.Get, "v1/report", HttpStatusCode.OK),
            (http, HttpMethod.Get, "v1/export?from=2026-01-01&to=2026-01-02&format=csv", HttpStatusCode.OK),
            (anonymous, HttpMethod.Get, "v1/report", HttpStatusCode.Unauthorized),
            (anonymous, HttpMethod.Post, "v1/events", HttpStatusCode.Unauthorized),
        ];
        foreach (var (client, method, path, expected) in requests)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
            {
                request.Content = Batches.Content(Batches.Json([Batches.Event()]));
            }
            else if (method == HttpMethod.Put)
            {
                request.Content = new StringContent("""{"time_zone":"UTC","budgets":[]}""", Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(requests.Length, guard.Checks - before);

        // Outside the key's group: no check at all.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("dashboard/", UriKind.Relative))).StatusCode);
        Assert.Equal(requests.Length, guard.Checks - before);
    }

    [Fact]
    public async Task The_worker_checks_the_key_once_per_invocation_and_the_handler_refuses_an_unchecked_request()
    {
        await using var worker = WorkerHost.Create();
        var key = await worker.CreateKeyAsync("acme");
        var guard = worker.Services.GetRequiredService<ApiKeyGuard>();
        var before = guard.Checks;

        var ok = worker.Request("GET", "/v1/report", key);
        Assert.Equal(200, (await WorkerHost.ExecuteAsync(ok, worker.Function<ReportFunction>().RunAsync(ok.Request))).Status);
        var denied = worker.Request("GET", "/v1/budgets/status");
        Assert.Equal(401, (await WorkerHost.ExecuteAsync(denied, worker.Function<BudgetFunctions>().StatusAsync(denied.Request))).Status);
        Assert.Equal(2, guard.Checks - before);

        // A handler called without the guard (a host that forgot it) refuses to guess the project.
        var bypassed = worker.Request("GET", "/v1/report", key);
        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.Services.GetRequiredService<ReportEndpoint>().GetAsync(bypassed));
    }
}
